#!/usr/bin/env bash
# Fresh machine → full test suite: a virtualenv from pyproject.toml (+ Debian chromium for the browser tests and
# Virtuoso 7.2 for the remote-store tests, when we may install them), ruff, then pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1 \
  || ! command -v virtuoso-t >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver \
      virtuoso-opensource-7-bin libpcre3 >/dev/null
  else
    echo "note: chromium/chromedriver or virtuoso-t are not installed; browser / Virtuoso tests will be skipped" >&2
  fi
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"

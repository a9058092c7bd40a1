#!/usr/bin/env bash
# Vendor Swagger UI (npm package swagger-ui-dist) as static files so /docs works fully offline (no CDN).
#
# Usage: scripts/vendor_swagger.sh        (needs node + npm and the npm registry)
#
# In a throw-away temp dir: `npm pack` the PINNED version, check the tarball's sha512 against the pinned
# integrity string (the value of `npm view swagger-ui-dist@VERSION dist.integrity`), then copy into
# api/static/vendor/swagger-ui/:
#   swagger-ui-bundle.js               the self-contained UMD bundle (defines window.SwaggerUIBundle)
#   swagger-ui.css                     its styles
#   LICENSE, NOTICE                    Apache-2.0 licence and notice of swagger-ui
#   swagger-ui-bundle.js.LICENSE.txt   notices of the third-party code compiled into the bundle
#   VERSION                            "swagger-ui-dist@<version>"
# The page that loads them is api/templates/docs.html with api/static/docs.js (no inline script, so the
# same Content-Security-Policy as every other page applies).
#
# To upgrade: change VERSION and INTEGRITY below, re-run, and run tests/test_ui_browser.py.
set -euo pipefail

PKG="swagger-ui-dist"
VERSION="5.35.0"
INTEGRITY="sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ=="

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/api/static/vendor/swagger-ui"

for tool in node npm tar; do
  command -v "$tool" >/dev/null 2>&1 || { echo "vendor_swagger: '$tool' is required" >&2; exit 1; }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/vendor_swagger.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "vendor_swagger: fetching $PKG@$VERSION"
cd "$WORK"
TGZ="$(npm pack --silent "$PKG@$VERSION" | tail -n 1)"
[ -f "$TGZ" ] || { echo "vendor_swagger: npm pack produced no tarball" >&2; exit 1; }

GOT="sha512-$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$TGZ")"
if [ "$GOT" != "$INTEGRITY" ]; then
  echo "vendor_swagger: integrity mismatch for $TGZ" >&2
  echo "  expected $INTEGRITY" >&2
  echo "  got      $GOT" >&2
  exit 1
fi

tar xzf "$TGZ"
PKGDIR="$WORK/package"
installed="$(node -p 'require(process.argv[1]).version' "$PKGDIR/package.json")"
[ "$installed" = "$VERSION" ] || { echo "vendor_swagger: got $installed, wanted $VERSION" >&2; exit 1; }
FILES=(swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE swagger-ui-bundle.js.LICENSE.txt)
for f in "${FILES[@]}"; do
  [ -s "$PKGDIR/$f" ] || { echo "vendor_swagger: $f missing from the package" >&2; exit 1; }
done

# The CSS must not pull anything from elsewhere (fonts, @import ...).
if grep -Eiq '@import|url\([[:space:]]*["'\'']?(https?:)?//' "$PKGDIR/swagger-ui.css"; then
  echo "vendor_swagger: swagger-ui.css references a remote URL/@import; review before vendoring" >&2
  exit 1
fi

rm -rf "$DEST"
mkdir -p "$DEST"
for f in "${FILES[@]}"; do
  cp "$PKGDIR/$f" "$DEST/$f"
done
printf '%s@%s\n' "$PKG" "$VERSION" > "$DEST/VERSION"
( cd "$DEST" && sha256sum swagger-ui-bundle.js swagger-ui.css )
echo "vendor_swagger: wrote $DEST"

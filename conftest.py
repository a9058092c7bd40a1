"""Registers the live-server fixtures (tests/server_fixtures.py) and the SPARQL engines (tests/engines.py)."""

pytest_plugins = ["tests.server_fixtures", "tests.engines"]

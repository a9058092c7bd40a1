"""Registers the live-server fixtures (tests/server_fixtures.py) for every test module."""

pytest_plugins = ["tests.server_fixtures"]

"""queries/guard.py: SERVICE / LOAD targets are found through prefixes, BASE, case and comments."""

from __future__ import annotations

import pytest

from scholarkg.queries.guard import ForbiddenServiceError, check_remote_targets, remote_targets


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT * { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }", ["http://evil.example/sparql"]),
        ("select * { service silent <http://127.0.0.1:9/x> {} }", ["http://127.0.0.1:9/x"]),
        ("PREFIX e: <http://evil.example/> SELECT * { SERVICE e:sparql {} }", ["http://evil.example/sparql"]),
        ("BASE <http://evil.example/a/> SELECT * { SERVICE <sparql> {} }", ["http://evil.example/a/sparql"]),
        ("SELECT * { SERVICE ?endpoint {} }", ["?endpoint"]),
        ("LOAD <http://evil.example/data.ttl> INTO GRAPH <http://g>", ["http://evil.example/data.ttl"]),
        ('SELECT * { ?s ?p "SERVICE <http://in-a-string/>" }', []),
        ("SELECT * { ?s ?p ?o } # SERVICE <http://in-a-comment/>", []),
        ("SELECT * { ?s <http://example.org/p#SERVICE> ?o }", []),
        ('SELECT * { ?s ?p """multi\nSERVICE <http://x/>""" }', []),
    ],
)
def test_remote_targets(text: str, expected: list[str]) -> None:
    assert remote_targets(text) == expected


def test_refused_unless_host_allowed() -> None:
    query = "SELECT * { SERVICE <http://dblp.example/sparql> { ?s ?p ?o } }"
    with pytest.raises(ForbiddenServiceError, match="no remote endpoints are allowed"):
        check_remote_targets(query, [])
    with pytest.raises(ForbiddenServiceError, match=r"allowed hosts: other\.example"):
        check_remote_targets(query, ["other.example"])
    check_remote_targets(query, ["DBLP.example"])  # host match is case-insensitive


def test_variable_and_unknown_prefix_targets_are_always_refused() -> None:
    with pytest.raises(ForbiddenServiceError, match="unresolvable"):
        check_remote_targets("SELECT * { SERVICE nope:x {} }", ["nope"])
    with pytest.raises(ForbiddenServiceError, match=r"\?g"):
        check_remote_targets("SELECT * { SERVICE ?g {} }", ["anything"])


def test_plain_queries_pass() -> None:
    check_remote_targets("SELECT * WHERE { ?s ?p ?o } LIMIT 1", [])

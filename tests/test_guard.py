"""queries/guard.py: SERVICE / LOAD targets are decided on the parsed query — through prefixes, BASE, the
request's base IRI, case, comments, strings and PN_LOCAL escapes — and anything undecidable is refused."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import Store

from scholarkg.queries.allowlist import BadEndpointError, parse_allowlist_entry
from scholarkg.queries.guard import (
    ForbiddenServiceError,
    UndecidableQueryError,
    check_remote_targets,
    remote_targets,
)

BASE = "http://127.0.0.1:8000/sparql"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT * { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }", ["http://evil.example/sparql"]),
        ("select * { service silent <http://127.0.0.1:9/x> {} }", ["http://127.0.0.1:9/x"]),
        ("PREFIX e: <http://evil.example/> SELECT * { SERVICE e:sparql {} }", ["http://evil.example/sparql"]),
        ("PREFIX e: <http://evil.example/> SELECT * { SERVICE e:a\\~b {} }", ["http://evil.example/a~b"]),
        ("BASE <http://evil.example/a/> SELECT * { SERVICE <sparql> {} }", ["http://evil.example/a/sparql"]),
        ("BASE <http://e.example/a/> PREFIX p: <b/> SELECT * { SERVICE p:c {} }", ["http://e.example/a/b/c"]),
        ("SELECT * { SERVICE <other> {} }", ["http://127.0.0.1:8000/other"]),  # relative: the request's base
        ("SELECT * { SERVICE ?endpoint {} }", ["?endpoint"]),
        ("LOAD <http://evil.example/data.ttl> INTO GRAPH <http://g>", ["http://evil.example/data.ttl"]),
        (
            "PREFIX e: <http://e.example/> LOAD SILENT e:x ; LOAD <http://f.example/y>",
            ["http://e.example/x", "http://f.example/y"],
        ),
        (
            "SELECT * { { SELECT * { FILTER EXISTS { SERVICE <http://n.example/> "
            "{ SERVICE <http://m.example/> {} } } } } }",
            ["http://n.example/", "http://m.example/"],
        ),
        ("INSERT { ?s ?p ?o } WHERE { SERVICE <http://w.example/> { ?s ?p ?o } }", ["http://w.example/"]),
        ('SELECT * { ?s ?p "SERVICE <http://in-a-string/>" }', []),
        ("SELECT * { ?s ?p ?o } # SERVICE <http://in-a-comment/>", []),
        ("SELECT * { ?s <http://example.org/p#SERVICE> ?o }", []),
        ('SELECT * { ?s ?p """multi\nSERVICE <http://x/>""" }', []),
        ("PREFIX schema: <http://schema.org/> SELECT * { ?s schema:downloadUrl ?load }", []),
    ],
)
def test_remote_targets(text: str, expected: list[str]) -> None:
    assert remote_targets(text, base_iri=BASE) == expected


# The three reproductions of issue 7 (part 1): a legal PN_LOCAL escape hid what followed it on the line.
REPRODUCTIONS = [
    "PREFIX schema: <http://schema.org/> SELECT * WHERE { VALUES ?q { schema:a\\# } "
    "SERVICE <http://127.0.0.1:{port}/x.nt> { ?x ?y ?z } }",
    "PREFIX schema: <http://schema.org/> SELECT * WHERE { VALUES ?q { schema:a\\' } "
    'SERVICE <http://127.0.0.1:{port}/x.nt> { ?x ?y ?z } FILTER(?q != "\'") }',
    "PREFIX ex: <http://example.org/> INSERT DATA { <urn:a> <urn:b> ex:a\\# } ; "
    "LOAD <http://127.0.0.1:{port}/x.nt> INTO GRAPH <urn:ssrf>",
]


@pytest.mark.parametrize("template", REPRODUCTIONS)
def test_issue_reproductions_are_refused(template: str) -> None:
    text = template.replace("{port}", "18750")
    with pytest.raises(ForbiddenServiceError):
        check_remote_targets(text, [], base_iri=BASE)
    # …also when another port of the same host is allowed
    with pytest.raises(ForbiddenServiceError):
        check_remote_targets(text, ["http://127.0.0.1:18751/"], base_iri=BASE)


def test_allowlist_entries_are_endpoint_urls() -> None:
    query = "SELECT * { SERVICE <https://dblp.example/sparql> { ?s ?p ?o } }"
    with pytest.raises(ForbiddenServiceError, match="no remote endpoints are allowed"):
        check_remote_targets(query, [])
    with pytest.raises(ForbiddenServiceError, match=r"allowed endpoints: https://other\.example:443/sparql"):
        check_remote_targets(query, ["https://other.example/sparql"])
    check_remote_targets(query, ["https://DBLP.example/sparql"])  # host match is case-insensitive
    check_remote_targets(query, ["https://dblp.example:443/"])  # default port, every path
    for other in ("http://dblp.example/sparql", "https://dblp.example:8443/sparql", "https://dblp.example/sparql2"):
        with pytest.raises(ForbiddenServiceError):
            check_remote_targets(query.replace("https://dblp.example/sparql", other), ["https://dblp.example/sparql"])
    check_remote_targets(query.replace("/sparql", "/sparql/sub"), ["https://dblp.example/sparql"])


@pytest.mark.parametrize(
    "target",
    [
        "http://allowed.example@127.0.0.1:18750/",  # user info
        "http://allowed.example/sparql/../../admin",  # dot segments
        "http://allowed.example/sparql/%2e%2e/admin",
        "ftp://allowed.example/sparql",
        "file:///etc/passwd",
    ],
)
def test_ambiguous_targets_are_refused(target: str) -> None:
    with pytest.raises(ForbiddenServiceError):
        check_remote_targets(f"SELECT * {{ SERVICE <{target}> {{}} }}", ["http://allowed.example/"])


@pytest.mark.parametrize("entry", ["query.wikidata.org", "127.0.0.1", "http://a@b/", "http://h/x?q=1", "gopher://h/"])
def test_bare_hosts_and_odd_urls_are_not_allowlist_entries(entry: str) -> None:
    with pytest.raises(BadEndpointError):
        parse_allowlist_entry(entry)


def test_bare_host_in_settings_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from scholarkg.loader.settings import Settings

    monkeypatch.setenv("SCHOLARKG_SERVICE_ALLOWLIST", '["query.wikidata.org"]')
    with pytest.raises(ValidationError, match="not an endpoint URL"):
        Settings()
    monkeypatch.setenv("SCHOLARKG_SERVICE_ALLOWLIST", '["https://query.wikidata.org/sparql"]')
    assert Settings().service_allowlist == ["https://query.wikidata.org/sparql"]


def test_variable_unknown_prefix_and_relative_targets_are_always_refused() -> None:
    with pytest.raises(ForbiddenServiceError, match="unresolvable"):
        check_remote_targets("PREFIX a: <http://a/> SELECT * { SERVICE nope:x {} }", ["http://nope/"])
    with pytest.raises(ForbiddenServiceError, match=r"\?g"):
        check_remote_targets("SELECT * { SERVICE ?g {} }", ["http://anything/"])
    with pytest.raises(ForbiddenServiceError, match="unresolvable"):
        check_remote_targets("SELECT * { SERVICE <rel> {} }", ["http://anything/"])  # no base


def test_what_the_parser_cannot_read_is_refused_when_it_mentions_service_or_load() -> None:
    with pytest.raises(UndecidableQueryError):
        remote_targets("SELECT * { SERVICE <http://x/> { ?s ?p ?o } ")  # not even a query
    with pytest.raises(UndecidableQueryError):  # deep nesting: rdflib's parser recurses
        remote_targets("SELECT * { " + "{ " * 2000 + "SERVICE <http://x/> {}" + " }" * 2000 + " }")
    assert remote_targets("SELECT * { ?s ?p ?o ") == []  # no such word: nothing to decide (Oxigraph refuses it)


def test_plain_queries_pass() -> None:
    check_remote_targets("SELECT * WHERE { ?s ?p ?o } LIMIT 1", [])


# -- property: a SERVICE hidden among escapes, strings, comments, IRIs and nested groups is always found -----
_PNAMES = st.sampled_from(
    ["ex:a\\#", "ex:a\\'", "ex:a\\~b", "ex:a\\%41", "ex:a%23b", "ex:a\\.b", "ex:a\\-", "ex:a\\?", "ex:\\&x", "ex:a\\/b"]
)
_DECOY = st.sampled_from(["#", "'", '"', "}", "{", "\\\\", "SERVICE <http://decoy.example/>", "LOAD", " ", "\\'"])
_TEXT = st.lists(_DECOY, max_size=4)
_QUOTES = ("'", '"', "'''", '"""')


def _string(pieces: list[str], form: int) -> str:
    """One of the four string forms around the pieces; quotes escaped (ECHAR) so the string stays one token."""
    body = "".join({"'": "\\'", '"': '\\"'}.get(piece, piece) for piece in pieces)
    return _QUOTES[form] + body + _QUOTES[form]


@st.composite
def _pieces(draw: st.DrawFn, depth: int = 0) -> str:
    choice = draw(st.integers(0, 6 if depth < 2 else 4))
    if choice == 0:
        return f"VALUES ?v{draw(st.integers(0, 99))} {{ {draw(_PNAMES)} }}"
    if choice == 1:
        return f"BIND({_string(draw(_TEXT), draw(st.integers(0, 3)))} AS ?BOUND)"
    if choice == 2:
        return "# " + "".join(draw(_TEXT)) + "\n"
    if choice == 3:
        return f"?s <http://example.org/p#{draw(st.sampled_from(['a', 'SERVICE', 'x%20y']))}> ?o ."
    if choice == 4:
        return f"FILTER(?s != {draw(_PNAMES)} || ?o != {_string(draw(_TEXT), draw(st.integers(0, 3)))})"
    inner = draw(st.lists(_pieces(depth + 1), max_size=3))
    if choice == 5:
        return "{ " + " ".join(inner) + " }"
    return "OPTIONAL { " + " ".join(inner) + " }"


@st.composite
def _queries_with_service(draw: st.DrawFn) -> tuple[str, str]:
    """(query with a SERVICE somewhere, the same query with a plain group there instead)."""
    before = draw(st.lists(_pieces(), max_size=4))
    after = draw(st.lists(_pieces(), max_size=4))
    silent = draw(st.sampled_from(["", "SILENT "]))
    keyword = draw(st.sampled_from(["SERVICE", "service", "Service"]))
    target = draw(st.sampled_from(["<http://127.0.0.1:18750/x>", "ex:x\\#", "loop:x", "<x>"]))
    nest = draw(st.integers(0, 2))
    group = "{ ?x ?y ?z }"
    open_, close = "{ " * nest, " }" * nest
    head = "PREFIX ex: <http://127.0.0.1:18750/> PREFIX loop: <http://127.0.0.1:18750/> SELECT * WHERE { "
    service = f"{keyword} {silent}{target} {group}"
    tail = " ".join(after) + "\n}"
    pre = " ".join(before) + " "
    counter = iter(range(1000))
    pre, tail = (re.sub(r"\?BOUND", lambda _: f"?b{next(counter)}", part) for part in (pre, tail))
    return head + pre + open_ + service + close + " " + tail, head + pre + open_ + group + close + " " + tail


@settings(max_examples=150, deadline=None)
@given(_queries_with_service())
def test_a_service_among_escapes_strings_comments_and_groups_is_always_found(pair: tuple[str, str]) -> None:
    query, plain = pair
    Store().query(plain, base_iri=BASE)  # the generator writes queries Oxigraph accepts (no SERVICE in this one)
    try:
        targets = remote_targets(query, base_iri=BASE)
    except UndecidableQueryError:
        return  # refused: fine
    assert any(t.startswith("http://127.0.0.1:18750/") or t == "http://127.0.0.1:8000/x" for t in targets), (
        query,
        targets,
    )
    with pytest.raises(ForbiddenServiceError):
        check_remote_targets(query, ["http://127.0.0.1:18751/"], base_iri=BASE)


# -- a live listener that must never be contacted ------------------------------------------------------------
@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    received.append(conn.recv(65536))
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/n-triples\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    received.append(b"?")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sock.getsockname()[1], received
    stop.set()
    thread.join(timeout=5)
    sock.close()


def test_the_listener_is_never_contacted(listener: tuple[int, list[bytes]]) -> None:
    """Every reproduction and generated form is refused before Oxigraph would run it; whatever the guard lets
    through is run for real, and the listener on 127.0.0.1 must see no connection."""
    port, received = listener
    texts = [t.replace("{port}", str(port)) for t in REPRODUCTIONS]
    texts += [
        f"SELECT * {{ SERVICE SILENT <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}",
        f"PREFIX p: <http://127.0.0.1:{port}/> SELECT * {{ SERVICE p:x\\# {{ ?s ?p ?o }} }}",
        f"BASE <http://127.0.0.1:{port}/> SELECT * {{ SERVICE <x> {{ ?s ?p ?o }} }}",
        f"PREFIX ex: <http://example.org/> SELECT * {{ VALUES ?q {{ ex:a\\# }} "
        f"SERVICE SILENT <http://127.0.0.1:{port}/> {{}} }}",
        f"LOAD SILENT <http://127.0.0.1:{port}/x.nt>",
    ]
    store = Store()
    refused = 0
    for text in texts:
        try:
            check_remote_targets(text, [f"http://127.0.0.1:{port + 1 if port < 65535 else port - 1}/"], base_iri=BASE)
        except ForbiddenServiceError:
            refused += 1
            continue
        if text.lstrip().upper().startswith(("LOAD", "PREFIX EX: <HTTP://EXAMPLE.ORG/> INSERT")):
            store.update(text)
        else:
            list(store.query(text, base_iri=BASE))
    assert refused == len(texts)
    assert received == []
    # the listener does work: a direct request reaches it
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        conn.recv(1024)
    for _ in range(50):
        if received:
            break
        threading.Event().wait(0.05)
    assert received and received[0].startswith(b"GET /")

"""W3C conformance: SPARQL 1.1 Protocol and Graph Store HTTP Protocol (indirect identification) manifests.

The manifests and their data are copied from w3c/rdf-tests into `tests/conformance/` (see SOURCE.txt and
LICENSE.md there). Each manifest entry is one pytest test, run against a real server with an update token and
an empty store: the store is emptied (DROP ALL) before each test, the entry's `ut:graphData` are loaded with
GSP PUT, then its `ht:Request`s are sent in order and each `ht:Response` is checked (status, result format,
boolean, response content type, expected graph). Paths map `/sparql/` → `/sparql` and `/gsp` → `/store`.
Entries we cannot pass are xfail(strict=True) and listed, with the reason, in tests/conformance/EXCEPTIONS.md.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from tests.server_fixtures import LiveServer, writable_server  # noqa: F401

CONFORMANCE = Path(__file__).resolve().parent / "conformance"
MANIFESTS = (
    CONFORMANCE / "protocol" / "manifest.ttl",
    CONFORMANCE / "graph-store-protocol" / "manifest-indirect.ttl",
)
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = "http://www.w3.org/2011/http-statusCodes#"
CNT = Namespace("http://www.w3.org/2011/content#")
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"
STATUS_NAMES = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}
FORMATS = {
    # mf:expectedFormat → media types the protocol allows for it
    "boolean": {"application/sparql-results+xml", "application/sparql-results+json"},
    "tabular": {
        "application/sparql-results+xml",
        "application/sparql-results+json",
        "text/csv",
        "text/tab-separated-values",
    },
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples", "text/html", "application/xhtml+xml"},
}
RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}

# Entries the server does not pass, with the reason (kept in step with tests/conformance/EXCEPTIONS.md).
EXCEPTIONS: dict[str, str] = {}


@dataclass
class Expected:
    statuses: list[str]
    format: str | None = None
    boolean: bool | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str | None = None
    location_variable: str | None = None


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes | None
    expected: Expected


@dataclass
class ManifestTest:
    id: str
    name: str
    graph_data: list[tuple[Path, str]]
    requests: list[HttpRequest]


def _text(graph: Graph, node: object, predicate: URIRef) -> str | None:
    value = graph.value(node, predicate)  # type: ignore[arg-type]
    return None if value is None else str(value)


def _headers(graph: Graph, node: object) -> list[tuple[str, str]]:
    head = graph.value(node, HT.headers)  # type: ignore[arg-type]
    if head is None:
        return []
    return [
        (str(graph.value(h, HT.fieldName)).lower(), str(graph.value(h, HT.fieldValue))) for h in Collection(graph, head)
    ]


def _body(graph: Graph, node: object) -> tuple[str, str] | None:
    body = graph.value(node, HT.body)  # type: ignore[arg-type]
    if body is None:
        return None
    return str(graph.value(body, CNT.chars)), str(graph.value(body, CNT.characterEncoding) or "UTF-8")


def load_manifest(path: Path) -> list[ManifestTest]:
    graph = Graph()
    graph.parse(path, format="turtle", publicID=path.as_uri())
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    tests: list[ManifestTest] = []
    for entry in Collection(graph, graph.value(manifest, MF.entries)):
        graph_data = []
        for data in graph.objects(entry, UT.graphData):
            file = Path(str(graph.value(data, UT.graph)).removeprefix("file://"))
            graph_data.append((file, str(graph.value(data, RDFS.label))))
        action = graph.value(entry, MF.action)
        requests = []
        for node in Collection(graph, graph.value(action, HT.requests)):
            resp = graph.value(node, HT.resp)
            boolean = graph.value(resp, MF.expectedBoolean)
            expected_body = _body(graph, resp)
            expected = Expected(
                statuses=sorted(str(s).removeprefix(HTS) for s in graph.objects(resp, MF.expectedStatus)),
                format=_text(graph, resp, MF.expectedFormat),
                boolean=None if boolean is None else bool(boolean.toPython()) if isinstance(boolean, Literal) else None,
                headers=_headers(graph, resp),
                body=expected_body[0] if expected_body else None,
                location_variable=_text(graph, resp, MF.expectedLocation),
            )
            body = _body(graph, node)
            requests.append(
                HttpRequest(
                    method=str(graph.value(node, HT.methodName)),
                    path=str(graph.value(node, HT.absolutePath)),
                    headers=_headers(graph, node),
                    body=body[0].encode(body[1]) if body else None,
                    expected=expected,
                )
            )
        name = str(graph.value(entry, MF.name))
        tests.append(ManifestTest(str(entry).rpartition("#")[2], name, graph_data, requests))
    return tests


def _cases() -> list[object]:
    cases = []
    for manifest in MANIFESTS:
        for test in load_manifest(manifest):
            marks = [pytest.mark.xfail(strict=True, reason=EXCEPTIONS[test.id])] if test.id in EXCEPTIONS else []
            cases.append(pytest.param(test, id=test.id, marks=marks))
    return cases


def server_path(path: str, variables: dict[str, str]) -> str:
    """The manifest's path on our server: /sparql/ → /sparql, /gsp → /store; $VARIABLES$ filled in."""
    for name, value in variables.items():
        path = path.replace(name, quote(value, safe=""))
    path = re.sub(r"^/sparql/?(?=\?|$)", "/sparql", path)
    return re.sub(r"^/gsp(?=\?|$)", "/store", path)


def _status_ok(status: int, expected: list[str]) -> bool:
    for name in expected:
        match = re.fullmatch(r"StatusCode(\d)xx", name)
        if match and status // 100 == int(match.group(1)):
            return True
        if STATUS_NAMES.get(name) == status:
            return True
    return False


def _media(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _boolean(response: httpx.Response) -> bool:
    media = _media(response)
    if media == "application/sparql-results+json":
        value = json.loads(response.content)["boolean"]
        assert isinstance(value, bool)
        return value
    root = ET.fromstring(response.content)
    node = root.find(f"{RESULTS_NS}boolean")
    assert node is not None and node.text in ("true", "false"), response.text
    return node.text == "true"


def _check_format(response: httpx.Response, expected: str) -> None:
    media = _media(response)
    assert media in FORMATS[expected], f"{media!r} is not a {expected} format"
    if expected == "boolean":
        _boolean(response)
    elif expected == "RDF" and media in RDFLIB_FORMATS:
        Graph().parse(data=response.content, format=RDFLIB_FORMATS[media])
    elif media == "application/sparql-results+json":
        assert "head" in json.loads(response.content)
    elif media == "application/sparql-results+xml":
        ET.fromstring(response.content)


def _same_content_type(actual: str, expected: str) -> bool:
    def norm(value: str) -> list[str]:
        return [part.strip().lower().replace('"', "") for part in value.split(";")]

    return norm(actual) == norm(expected)


def check_response(response: httpx.Response, expected: Expected, variables: dict[str, str]) -> None:
    where = f"{response.request.method} {response.request.url} → {response.status_code}: {response.text[:500]}"
    assert _status_ok(response.status_code, expected.statuses), f"expected {expected.statuses}; {where}"
    if expected.format is not None:
        _check_format(response, expected.format)
    if expected.boolean is not None:
        assert _boolean(response) is expected.boolean, where
    for name, value in expected.headers:
        assert _same_content_type(response.headers.get(name, ""), value), f"{name}: {response.headers.get(name)}"
    if expected.body is not None:
        actual = Graph().parse(data=response.content, format=RDFLIB_FORMATS[_media(response)])
        wanted = Graph().parse(data=expected.body, format="turtle")
        assert isomorphic(actual, wanted), f"graphs differ:\n{response.text}"
    if expected.location_variable:
        assert "location" in response.headers, where
        variables[expected.location_variable] = response.headers["location"]


def reset(client: httpx.Client, server: LiveServer) -> None:
    response = client.post(
        "/sparql", content=b"DROP ALL", headers={"content-type": "application/sparql-update", **server.auth()}
    )
    assert response.status_code == 204, response.text


def load_graph_data(client: httpx.Client, server: LiveServer, data: list[tuple[Path, str]]) -> None:
    for file, graph_name in data:
        response = client.put(
            "/store",
            params={"graph": graph_name},
            content=file.read_bytes(),
            headers={"content-type": "application/n-triples", **server.auth()},
        )
        assert response.status_code in (201, 204), response.text


@pytest.mark.parametrize("test", _cases())
def test_w3c(test: ManifestTest, writable_server: LiveServer) -> None:  # noqa: F811
    server = writable_server
    with server.client() as client:
        reset(client, server)
        load_graph_data(client, server, test.graph_data)
        variables: dict[str, str] = {}
        for request in test.requests:
            headers = dict(request.headers)
            if request.method in ("POST", "PUT", "DELETE"):
                headers.update(server.auth())
            url = httpx.URL(server.url + server_path(request.path, variables))
            response = client.request(request.method, url, headers=headers, content=request.body)
            check_response(response, request.expected, variables)


def test_manifests_are_complete() -> None:
    counts = [len(load_manifest(path)) for path in MANIFESTS]
    assert counts == [34, 9]
    assert set(EXCEPTIONS) <= {t.id for path in MANIFESTS for t in load_manifest(path)}

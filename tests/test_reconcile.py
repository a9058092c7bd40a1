"""`/reconcile` over HTTP against a live server on the seeds, in the wire format OpenRefine sends (form-encoded,
the batch as JSON); every response kind validated against the Reconciliation API 0.2 JSON Schemas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests import reconcile_schemas as schemas
from tests.server_fixtures import UPDATE_TOKEN, LiveServer, start_server, stop_server

KEUTZER = "person/kurt-keutzer-a44af0d84d"
SEHOON = "person/sehoon-kim-64e47e76b1"
SEHOON_0001 = "person/sehoon-kim-0001-dce1d3e141"
DEJA_VU = "paper/deja-vu-contextual-sparsity-for-efficient-llms-at-inference-a2373d8298"
TIANLONG = "person/tianlong-chen-a0faedb9a1"
SPACE = "https://w3id.org/scholarkg/id/"
KEUTZER_ORCID = "https://orcid.org/0000-0002-1825-0097"
KEUTZER_DBLP = "https://dblp.org/pid/k/KurtKeutzer"
DEJA_VU_DOI = "https://doi.org/10.48550/arxiv.2310.17157"
# Accepted links, written the way the links graph contract states them (owl:sameAs in {base}id/graph/links).
LINKS = f"""
PREFIX owl: <http://www.w3.org/2002/07/owl#>
INSERT DATA {{ GRAPH <{SPACE}graph/links> {{
  <{SPACE}{KEUTZER}> owl:sameAs <{KEUTZER_ORCID}> , <{KEUTZER_DBLP}> .
  <{SPACE}{SEHOON_0001}> owl:sameAs <http://www.wikidata.org/entity/Q1000001> .
  <{SPACE}{DEJA_VU}> owl:sameAs <{DEJA_VU_DOI}> .
}} }}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory.mktemp("reconcile") / "store", token=UPDATE_TOKEN)
    with live.client() as client:
        response = client.post(
            "/sparql", content=LINKS, headers={"Content-Type": "application/sparql-update", **live.auth()}
        )
        assert response.status_code in (200, 204), response.text
    yield live
    stop_server(live)


@pytest.fixture(scope="module")
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


def reconcile(client: httpx.Client, batch: dict[str, object]) -> dict[str, list[dict[str, object]]]:
    """POST the batch as OpenRefine does (form field `queries`, JSON); checks both payloads against the schemas."""
    assert schemas.errors(schemas.QUERY_BATCH, batch) == []
    response = client.post("/reconcile", data={"queries": json.dumps(batch)})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert schemas.errors(schemas.RESULT_BATCH, body) == []
    assert set(body) == set(batch)
    return {key: value["result"] for key, value in body.items()}


def top(results: list[dict[str, object]]) -> dict[str, object]:
    assert results, "no candidates"
    return results[0]


def feature(candidate: dict[str, object], fid: str) -> object:
    found = [f["value"] for f in candidate["features"] if f["id"] == fid]  # type: ignore[attr-defined,index]
    assert len(found) == 1, candidate["features"]
    return found[0]


# -- the validator itself can fail ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "schema_id"),
    [
        ("manifest", schemas.MANIFEST),
        ("reconciliation-query-batch", schemas.QUERY_BATCH),
        ("reconciliation-result-batch", schemas.RESULT_BATCH),
        ("data-extension-response", schemas.EXTEND_RESPONSE),
    ],
)
def test_schema_registry_accepts_valid_and_rejects_invalid_examples(kind: str, schema_id: str) -> None:
    folder = schemas.EXAMPLES / kind
    valid = sorted((folder / "valid").glob("*.json"))
    invalid = sorted((folder / "invalid").glob("*.json"))
    assert valid and invalid
    for path in valid:
        assert schemas.errors(schema_id, json.loads(path.read_text())) == [], path.name
    for path in invalid:
        assert schemas.errors(schema_id, json.loads(path.read_text())) != [], path.name


# -- manifest ---------------------------------------------------------------------------------------------
def test_manifest(client: httpx.Client, server: LiveServer) -> None:
    response = client.get("/reconcile")
    assert response.status_code == 200
    manifest = response.json()
    assert schemas.errors(schemas.MANIFEST, manifest) == []
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == SPACE
    assert manifest["schemaSpace"] == "http://schema.org/"
    assert [t["id"] for t in manifest["defaultTypes"]] == ["person", "paper", "organization", "category"]
    assert manifest["view"]["url"] == f"{server.url}/id/{{{{id}}}}"
    assert manifest["preview"] == {"url": f"{server.url}/reconcile/preview?id={{{{id}}}}", "width": 400, "height": 160}
    assert set(manifest["suggest"]) == {"entity", "type", "property"}
    assert manifest["extend"]["propose_properties"] == {
        "service_url": f"{server.url}/reconcile",
        "service_path": "/properties",
    }
    assert manifest["extend"]["property_settings"][0]["name"] == "limit"
    assert manifest["batchSize"] == 50


@pytest.mark.parametrize("encode", [lambda i: i, lambda i: quote(i, safe="")])
def test_view_url_reaches_the_entity_page(client: httpx.Client, encode: object) -> None:
    template = client.get("/reconcile").json()["view"]["url"]
    page = client.get(template.replace("{{id}}", encode(KEUTZER)), headers={"Accept": "text/html"})  # type: ignore[operator]
    assert page.status_code == 200
    assert "Kurt Keutzer" in page.text


# -- reconciliation ---------------------------------------------------------------------------------------
def test_typo_finds_keutzer_without_match(client: httpx.Client) -> None:
    results = reconcile(client, {"q0": {"query": "Kurt Keutzr", "type": "person", "limit": 3, "type_strict": "should"}})
    first = top(results["q0"])
    assert first["id"] == KEUTZER
    assert first["name"] == "Kurt Keutzer"
    assert first["match"] is False
    assert 90 < first["score"] < 100  # type: ignore[operator]
    assert first["description"] == "61 papers, 2008–2025"
    assert first["type"] == [{"id": "person", "name": "Person"}]
    assert feature(first, "name") == pytest.approx(0.9565, abs=1e-3)


def test_exact_name_matches(client: httpx.Client) -> None:
    first = top(reconcile(client, {"q": {"query": "kurt  KEUTZER", "type": "person"}})["q"])
    assert (first["id"], first["match"], first["score"]) == (KEUTZER, True, 100.0)


def test_homonyms_never_both_match(client: httpx.Client) -> None:
    results = reconcile(client, {"q": {"query": "Sehoon Kim", "type": "person"}})["q"]
    assert {r["id"] for r in results[:2]} == {SEHOON, SEHOON_0001}
    assert [r["score"] for r in results[:2]] == [100.0, 100.0]
    assert not any(r["match"] for r in results)
    assert {r["name"] for r in results[:2]} == {"Sehoon Kim", "Sehoon Kim 0001"}
    only = reconcile(client, {"q": {"query": "Sehoon Kim", "type": "person", "limit": 1}})["q"]
    assert len(only) == 1 and only[0]["match"] is False  # the runner-up cut by `limit` still counts


@pytest.mark.parametrize(
    ("coauthor", "expected", "other"),
    [
        ("Sophia Shao", SEHOON, SEHOON_0001),
        ("Mahyar Najibi", SEHOON_0001, SEHOON),
        ({"id": "person/mahyar-najibi-b0f8b5bc5e", "name": "Mahyar Najibi"}, SEHOON_0001, SEHOON),
    ],
)
def test_homonym_disambiguated_by_coauthor(client: httpx.Client, coauthor: object, expected: str, other: str) -> None:
    if isinstance(coauthor, dict):  # the id as the store has it (looked up, not guessed)
        found = reconcile(client, {"c": {"query": "Mahyar Najibi", "type": "person"}})["c"]
        coauthor = {"id": top(found)["id"], "name": "Mahyar Najibi"}
    batch = {"q": {"query": "Sehoon Kim", "type": "person", "properties": [{"pid": "coauthor", "v": coauthor}]}}
    results = reconcile(client, batch)["q"]
    first, second = results[0], results[1]
    assert (first["id"], first["match"], first["score"]) == (expected, True, 100.0)
    assert (second["id"], second["match"], second["score"]) == (other, False, 50.0)
    assert feature(first, "coauthor") == 1.0
    assert feature(second, "coauthor") == 0.0


def test_homonym_number_in_the_query_picks_that_person(client: httpx.Client) -> None:
    results = reconcile(client, {"q": {"query": "Sehoon Kim 0001", "type": "person"}})["q"]
    assert (results[0]["id"], results[0]["match"]) == (SEHOON_0001, True)
    assert results[1]["id"] == SEHOON and results[1]["match"] is False


def test_title_with_dblp_trailing_period_matches(client: httpx.Client) -> None:
    title = "Deja Vu: Contextual Sparsity for Efficient LLMs at Inference Time."
    first = top(reconcile(client, {"p": {"query": title, "type": "paper"}})["p"])
    assert (first["id"], first["match"], first["score"]) == (DEJA_VU, True, 100.0)
    assert first["name"] == title[:-1]
    assert first["description"] == "2023-10-26 · cs.LG · Zichang Liu, Jue Wang, Tri Dao"


def test_year_category_and_organization_properties(client: httpx.Client) -> None:
    props = [
        {"pid": "organization", "v": "meta-ai"},
        {"pid": "year", "v": 2022},
        {"pid": "category", "v": ["CV", "cs.LG"]},
    ]
    first = top(reconcile(client, {"q": {"query": "Tianlong Chen", "type": "person", "properties": props}})["q"])
    assert (first["id"], first["match"]) == (TIANLONG, True)
    assert [feature(first, p) for p in ("organization", "year", "category")] == [1.0, 1.0, 1.0]
    wrong = [{"pid": "year", "v": "1990"}, {"pid": "organization", "v": "eth-zurich"}]
    first = top(reconcile(client, {"q": {"query": "Tianlong Chen", "type": "person", "properties": wrong}})["q"])
    assert first["id"] == TIANLONG
    assert first["match"] is False  # disagreeing properties pull the exact name down to a third
    assert first["score"] == pytest.approx(33.33, abs=0.01)


@pytest.mark.parametrize(
    ("pid", "value"),
    [
        ("orcid", "0000-0002-1825-0097"),
        ("orcid", KEUTZER_ORCID),
        ("dblp", "k/KurtKeutzer"),
        ("dblp", KEUTZER_DBLP + ".html"),
    ],
)
def test_exact_identifier_settles_the_match(client: httpx.Client, pid: str, value: str) -> None:
    batch = {"q": {"query": "K. Keutzr", "type": "person", "properties": [{"pid": pid, "v": value}]}}
    first = top(reconcile(client, batch)["q"])
    assert (first["id"], first["match"], first["score"]) == (KEUTZER, True, 100.0)
    assert feature(first, "identifier") is True


def test_identifier_alone_finds_the_entity(client: httpx.Client) -> None:
    results = reconcile(
        client,
        {
            "w": {"properties": [{"pid": "wikidata", "v": "Q1000001"}]},
            "d": {"properties": [{"pid": "doi", "v": "doi:10.48550/ARXIV.2310.17157"}], "type": "paper"},
            "none": {"properties": [{"pid": "orcid", "v": "0000-0001-5109-3700"}], "type": "person"},
        },
    )
    assert (top(results["w"])["id"], top(results["w"])["match"]) == (SEHOON_0001, True)
    assert (top(results["d"])["id"], top(results["d"])["match"]) == (DEJA_VU, True)
    assert results["none"] == []


def test_get_and_post_give_the_same_batch(client: httpx.Client) -> None:
    batch = {"a": {"query": "Kurt Keutzer"}, "b": {"query": "Monarch", "type": ["paper", "person"], "limit": 2}}
    posted = reconcile(client, batch)
    got = client.get("/reconcile", params={"queries": json.dumps(batch)})
    assert got.status_code == 200
    assert {k: v["result"] for k, v in got.json().items()} == posted
    assert len(posted["b"]) <= 2
    assert posted["b"][0]["name"].startswith("Monarch: Expressive Structured Matrices")  # type: ignore[union-attr]
    scores = [c["score"] for c in posted["a"]]
    assert scores == sorted(scores, reverse=True)


def test_organization_and_category_types(client: httpx.Client) -> None:
    results = reconcile(
        client,
        {
            "o": {"query": "ETH Zurich", "type": "organization"},
            "c": {"query": "Machine Learning", "type": "category", "limit": 3},
            "n": {"query": "hep-th", "type": "http://www.w3.org/2004/02/skos/core#Concept"},
        },
    )
    assert (top(results["o"])["id"], top(results["o"])["match"]) == ("org/eth-zurich", True)
    ml = [c["id"] for c in results["c"]]
    assert ml[:2] == ["category/cs.LG", "category/stat.ML"]  # two categories share the label: no match
    assert not any(c["match"] for c in results["c"])
    assert [c["id"] for c in results["n"]].count("category/hep-th") == 1
    assert "archive/hep-th" not in [c["id"] for c in results["n"]]


@pytest.mark.parametrize(
    ("queries", "status", "parameter"),
    [
        ("{not json", 422, "queries"),
        ("[1, 2]", 422, "queries"),
        (json.dumps({"q": {"query": "x", "limit": 0}}), 422, "queries.q.limit"),
        (json.dumps({"q": {"query": "x", "typo": 1}}), 422, "queries.q.typo"),
        (json.dumps({"q": {"query": ""}}), 422, "queries.q"),
        (json.dumps({"q": {"query": "x", "type": "planet"}}), 422, "queries.q.type"),
        (json.dumps({"q": {"query": "x", "properties": [{"pid": "shoe", "v": 1}]}}), 422, "queries.q.properties"),
        (
            json.dumps({"q": {"query": "x", "type": "person", "properties": [{"pid": "doi", "v": "10.1/x"}]}}),
            422,
            "queries.q.properties",
        ),
        (json.dumps({"q": {"query": "x", "properties": [{"pid": "orcid", "v": "12"}]}}), 422, "queries.q.properties"),
        (json.dumps({f"q{i}": {"query": "x"} for i in range(51)}), 413, None),
    ],
)
def test_bad_batches_are_client_errors(client: httpx.Client, queries: str, status: int, parameter: str | None) -> None:
    response = client.post("/reconcile", data={"queries": queries})
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["status"] == status
    if parameter:
        assert error["parameter"] == parameter


def test_post_without_queries_names_the_field(client: httpx.Client) -> None:
    response = client.post("/reconcile", data={"query": "x"})
    assert response.status_code == 422
    assert response.json()["error"]["parameter"] == "queries"


# -- data extension -----------------------------------------------------------------------------------------
def test_property_proposals(client: httpx.Client) -> None:
    for kind in ("person", "paper", "organization", "category"):
        body = client.get("/reconcile/properties", params={"type": kind}).json()
        assert schemas.errors(schemas.PROPERTY_PROPOSAL, body) == []
        assert body["type"] == kind
    person = client.get("/reconcile/properties", params={"type": "person", "limit": 3}).json()
    assert [p["id"] for p in person["properties"]] == ["papers", "paper_count", "coauthors"]
    assert person["limit"] == 3
    assert client.get("/reconcile/properties", params={"type": "planet"}).status_code == 422


def test_extend_person_and_paper(client: httpx.Client) -> None:
    query = {
        "ids": [SEHOON, KEUTZER, DEJA_VU, "person/nobody-0000000000"],
        "properties": [
            {"id": "paper_count"},
            {"id": "first_year"},
            {"id": "last_year"},
            {"id": "coauthors", "settings": {"limit": 3}},
            {"id": "orcid"},
            {"id": "dblp"},
            {"id": "authors", "settings": {"limit": 2}},
            {"id": "doi"},
            {"id": "categories"},
            {"id": "organizations"},
        ],
    }
    assert schemas.errors(schemas.EXTEND_QUERY, query) == []
    response = client.post("/reconcile", data={"extend": json.dumps(query)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert schemas.errors(schemas.EXTEND_RESPONSE, body) == []
    assert [m["id"] for m in body["meta"]] == [p["id"] for p in query["properties"]]  # type: ignore[index]
    assert next(m for m in body["meta"] if m["id"] == "coauthors")["type"] == {"id": "person", "name": "Person"}
    sehoon = body["rows"][SEHOON]
    assert sehoon["paper_count"] == [{"int": 5}]
    assert (sehoon["first_year"], sehoon["last_year"]) == ([{"int": 2022}], [{"int": 2025}])
    assert len(sehoon["coauthors"]) == 3
    assert {"id": KEUTZER, "name": "Kurt Keutzer"} in sehoon["coauthors"]
    assert sehoon["authors"] == [] and sehoon["orcid"] == []
    keutzer = body["rows"][KEUTZER]
    assert keutzer["orcid"] == [{"str": KEUTZER_ORCID}]
    assert keutzer["dblp"] == [{"str": KEUTZER_DBLP}]
    assert keutzer["paper_count"] == [{"int": 61}]
    paper = body["rows"][DEJA_VU]
    assert paper["authors"] == [
        {"id": "person/zichang-liu-" + paper["authors"][0]["id"].rsplit("-", 1)[1], "name": "Zichang Liu"},
        {"id": paper["authors"][1]["id"], "name": "Jue Wang"},
    ]
    assert paper["doi"] == [{"str": DEJA_VU_DOI}]
    assert paper["categories"] == [{"id": "category/cs.LG", "name": "cs.LG"}]
    assert paper["organizations"] == [{"id": "org/eth-zurich", "name": "eth-zurich"}]
    assert body["rows"]["person/nobody-0000000000"] == {p["id"]: [] for p in query["properties"]}  # type: ignore[index]


def test_extend_by_get_and_bad_property(client: httpx.Client) -> None:
    query = {"ids": [SEHOON_0001], "properties": [{"id": "paper_count"}]}
    got = client.get("/reconcile", params={"extend": json.dumps(query)})
    assert got.json()["rows"] == {SEHOON_0001: {"paper_count": [{"int": 5}]}}
    bad = client.get("/reconcile", params={"extend": json.dumps({"ids": [SEHOON], "properties": [{"id": "shoe"}]})})
    assert bad.status_code == 422
    assert bad.json()["error"]["parameter"] == "extend.properties"
    missing = client.get("/reconcile", params={"extend": json.dumps({"ids": [SEHOON]})})
    assert missing.status_code == 422
    assert missing.json()["error"]["parameter"] == "extend.properties"


# -- suggest --------------------------------------------------------------------------------------------------
def test_suggest_entity_by_prefix_with_cursor(client: httpx.Client) -> None:
    body = client.get("/reconcile/suggest/entity", params={"prefix": "kurt ke"}).json()
    assert schemas.errors(schemas.SUGGEST_ENTITIES, body) == []
    assert body["result"][0] == {
        "id": KEUTZER,
        "name": "Kurt Keutzer",
        "description": "61 papers, 2008–2025",
        "notable": [{"id": "person", "name": "Person"}],
    }
    both = client.get("/reconcile/suggest/entity", params={"prefix": "Sehoon", "type": "person"}).json()["result"]
    assert {r["id"] for r in both} == {SEHOON, SEHOON_0001}
    after = client.get("/reconcile/suggest/entity", params={"prefix": "Sehoon", "type": "person", "cursor": 1})
    assert after.json()["result"] == both[1:]
    by_id = client.get("/reconcile/suggest/entity", params={"prefix": SEHOON}).json()["result"]
    assert by_id[0]["id"] == SEHOON
    papers = client.get("/reconcile/suggest/entity", params={"prefix": "deja", "type": "paper"}).json()["result"]
    assert papers[0]["id"] == DEJA_VU


def test_suggest_types_and_properties(client: httpx.Client) -> None:
    types = client.get("/reconcile/suggest/type", params={"prefix": "pa"}).json()
    assert schemas.errors(schemas.SUGGEST_TYPES, types) == []
    assert [t["id"] for t in types["result"]] == ["paper"]
    props = client.get("/reconcile/suggest/property", params={"prefix": "co"}).json()
    assert schemas.errors(schemas.SUGGEST_PROPERTIES, props) == []
    assert [p["id"] for p in props["result"]] == ["coauthor", "paper_count", "coauthors"]  # word prefixes
    assert client.get("/reconcile/suggest/property", params={"prefix": "", "cursor": -1}).status_code == 422


# -- preview ----------------------------------------------------------------------------------------------------
def test_preview_card(client: httpx.Client, server: LiveServer) -> None:
    template = client.get("/reconcile").json()["preview"]["url"]
    response = client.get(template.replace("{{id}}", quote(KEUTZER, safe="")))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors *" in csp and "script-src" not in csp
    assert '<h1><a href="' + f"{server.url}/id/{KEUTZER}" in response.text
    assert "61 papers, 2008–2025" in response.text
    assert KEUTZER_ORCID in response.text
    assert "<script" not in response.text
    assert client.get("/reconcile/preview", params={"id": "person/<script>"}).status_code == 404


# -- CORS --------------------------------------------------------------------------------------------------------
ORIGIN = {"Origin": "https://openrefine.example"}


@pytest.mark.parametrize("path", ["/reconcile", "/reconcile/suggest/type?prefix=p", "/reconcile/preview?id=" + KEUTZER])
def test_cors_on_reconcile_reads(client: httpx.Client, path: str) -> None:
    response = client.get(path, headers=ORIGIN)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"


def test_cors_on_reconcile_post_and_preflight(client: httpx.Client) -> None:
    posted = client.post("/reconcile", data={"queries": json.dumps({"q": {"query": "x"}})}, headers=ORIGIN)
    assert posted.headers["access-control-allow-origin"] == "*"
    preflight = client.options("/reconcile", headers={**ORIGIN, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]
    refused = client.options("/reconcile", headers={**ORIGIN, "Access-Control-Request-Method": "DELETE"})
    assert refused.status_code == 400


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/sparql?query=ASK%7B%7D"),
        ("GET", "/authors"),
        ("POST", "/sparql"),
        ("POST", "/sources"),
        ("GET", "/reconciled"),
    ],
)
def test_no_cors_elsewhere(client: httpx.Client, server: LiveServer, method: str, path: str) -> None:
    response = client.request(method, path, headers={**ORIGIN, **server.auth()})
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options(path, headers={**ORIGIN, "Access-Control-Request-Method": method})
    assert "access-control-allow-origin" not in preflight.headers


def test_schema_folder_is_complete() -> None:
    names = {p.name for p in Path(schemas.SCHEMAS).glob("*.json")}
    assert {"manifest.json", "reconciliation-query-batch.json", "data-extension-response.json", "type.json"} <= names

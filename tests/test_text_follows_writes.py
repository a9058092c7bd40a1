"""The full-text index follows SPARQL Update and Graph Store writes, not only page loads: on a real server, a
person named by an update is found by `/authors?q=`, `/reconcile` and suggest at once, and is gone after a delete or
rename (queries/update_effects.py, `GraphStore.text_write`)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.server_fixtures import UPDATE_TOKEN, LiveServer, start_server, stop_server

BASE = "https://w3id.org/scholarkg/"
PREFIX = "PREFIX schema: <http://schema.org/>\n"
PERSON = f"{BASE}id/person/zebulon-quixotic"
OTHER = f"{BASE}id/person/ottoline-vexworth"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own (an empty store, writes allowed): the index starts from what these tests write."""
    live = start_server(tmp_path_factory.mktemp("text-writes") / "store", token=UPDATE_TOKEN, seeds=False)
    yield live
    stop_server(live)


@pytest.fixture(scope="module")
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client(headers=server.auth()) as c:
        yield c


def update(client: httpx.Client, text: str) -> None:
    response = client.post("/sparql", content=PREFIX + text, headers={"Content-Type": "application/sparql-update"})
    assert response.status_code in (200, 204), response.text


def authors(client: httpx.Client, q: str) -> list[tuple[str, str]]:
    response = client.get("/authors", params={"q": q})
    assert response.status_code == 200, response.text
    return [(item["id"], item["name"]) for item in response.json()["items"]]


def absolute(rid: str) -> str:
    """A reconciliation id (relative to the identifier space `{base}id/`) as the entity IRI."""
    return rid if rid.startswith("https://") else f"{BASE}id/{rid}"


def reconciled(client: httpx.Client, q: str) -> list[str]:
    batch = {"q0": {"query": q, "type": "person", "limit": 5}}
    response = client.post("/reconcile", data={"queries": json.dumps(batch)})
    assert response.status_code == 200, response.text
    return [absolute(c["id"]) for c in response.json()["q0"]["result"]]


def suggested(client: httpx.Client, prefix: str) -> list[str]:
    response = client.get("/reconcile/suggest/entity", params={"prefix": prefix, "type": "person"})
    assert response.status_code == 200, response.text
    return [absolute(r["id"]) for r in response.json()["result"]]


def found_everywhere(client: httpx.Client, words: str) -> set[str]:
    """The IRIs each search finds for `words`; the three must agree."""
    by_authors = {iri for iri, _ in authors(client, words)}
    assert set(reconciled(client, words)) == by_authors
    assert set(suggested(client, words)) == by_authors
    return by_authors


def test_sparql_update_insert_rename_delete(client: httpx.Client) -> None:
    assert found_everywhere(client, "Zebulon Quixotic") == set()
    update(client, f'INSERT DATA {{ <{PERSON}> a schema:Person ; schema:name "Zebulon Quixotic" }}')
    assert authors(client, "quixo") == [(PERSON, "Zebulon Quixotic")]
    assert found_everywhere(client, "Zebulon Quixotic") == {PERSON}
    # a rename by a variable subject (the update cannot tell which rows: the view's names are compared)
    update(
        client,
        'DELETE { ?p schema:name ?n } INSERT { ?p schema:name "Zebulon Quillfeather" } '
        'WHERE { ?p schema:name ?n FILTER(?n = "Zebulon Quixotic") }',
    )
    assert found_everywhere(client, "Quixotic") == set()
    assert found_everywhere(client, "Zebulon Quillfeather") == {PERSON}
    update(client, f'DELETE DATA {{ <{PERSON}> schema:name "Zebulon Quillfeather" }}')
    assert found_everywhere(client, "Zebulon") == set()
    update(client, f'INSERT DATA {{ <{PERSON}> schema:name "Zebulon Quixotic" }}')  # typed already: back
    assert found_everywhere(client, "Zebulon") == {PERSON}
    update(client, f"DELETE WHERE {{ <{PERSON}> ?p ?o }}")
    assert found_everywhere(client, "Zebulon") == set()


def test_a_name_in_a_named_graph_stays_out_of_the_view_and_the_index(client: httpx.Client) -> None:
    graph = f"{BASE}id/graph/scratch"
    update(
        client, f'INSERT DATA {{ GRAPH <{graph}> {{ <{OTHER}> a schema:Person ; schema:name "Ottoline Vexworth" }} }}'
    )
    assert found_everywhere(client, "Vexworth") == set()  # as after a rebuild: the index mirrors the view
    update(client, f"ADD <{graph}> TO DEFAULT")  # now the view states it
    assert found_everywhere(client, "Vexworth") == {OTHER}
    update(client, "CLEAR DEFAULT")
    assert found_everywhere(client, "Vexworth") == set()
    update(client, f"DROP GRAPH <{graph}>")


def test_graph_store_put_post_delete(client: httpx.Client) -> None:
    turtle = {"Content-Type": "text/turtle"}
    body = f'<{OTHER}> a <http://schema.org/Person> ; <http://schema.org/name> "Ottoline Vexworth" .'
    assert client.post("/store?default", content=body, headers=turtle).status_code == 204  # merge
    assert found_everywhere(client, "Ottoline Vexworth") == {OTHER}
    renamed = body.replace("Vexworth", "Quarrington")
    assert client.put("/store?default", content=renamed, headers=turtle).status_code == 204  # replace
    assert found_everywhere(client, "Vexworth") == set()
    assert found_everywhere(client, "Ottoline Quarrington") == {OTHER}
    assert client.delete("/store?default").status_code == 204
    assert found_everywhere(client, "Ottoline") == set()
    # a named graph is not the view: nothing to find before or after (and nothing stale either)
    graph = {"graph": f"{BASE}id/graph/gsp"}
    assert client.put("/store", params=graph, content=body, headers=turtle).status_code == 201
    assert found_everywhere(client, "Vexworth") == set()
    assert client.delete("/store", params=graph).status_code == 204

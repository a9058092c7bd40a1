"""The links graph through the API: reads open, writes behind the token; /export?graph=links; the canned query."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scholarkg.loader.identity import Iris
from scholarkg.loader.settings import DEFAULT_BASE
from tests.server_fixtures import UPDATE_TOKEN, LiveServer, start_server, stop_server

DATA = Path(__file__).parent / "data" / "links"
IRIS = Iris(DEFAULT_BASE)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory.mktemp("links-api") / "store", token=UPDATE_TOKEN)
    yield live
    stop_server(live)


def test_links_api_round_trip(server: LiveServer) -> None:
    with server.client() as client:
        assert client.get("/links").json() == []
        mapping = (DATA / "mapping.csv").read_bytes()
        refused = client.post("/links/import", params={"name": "mapping.csv"}, content=mapping)
        assert refused.status_code == 401  # writes need the token
        bad = client.post(
            "/links/import",
            params={"name": "ambiguous.csv"},
            content=(DATA / "ambiguous.csv").read_bytes(),
            headers=server.auth(),
        )
        assert bad.status_code == 422
        assert "ambiguous.csv:3: ambiguous local 'Sehoon Kim'" in bad.json()["error"]["message"]
        assert client.get("/links").json() == []  # nothing was written
        imported = client.post("/links/import", params={"name": "mapping.csv"}, content=mapping, headers=server.auth())
        assert imported.status_code == 200, imported.text
        assert imported.json()["added"] == 4
        matched = client.post(
            "/links/match",
            params={"name": "dblp-sample.ttl"},
            content=(DATA / "dblp-sample.ttl").read_bytes(),
            headers=server.auth(),
        )
        assert matched.status_code == 200, matched.text
        assert any("0000-0002-7272-7272" in s for s in matched.json()["skipped_ids"])
        # an accepted person's external ids are on the entity page (JSON and HTML)
        kurt = IRIS.person("Kurt Keutzer").value
        key = kurt.rsplit("/", 1)[-1]
        ids = client.get(f"/authors/{key}").json()["external_ids"]
        # dblp's ORCID for him was imported for Sehoon Kim 0001 by mapping.csv: it is not linked twice
        assert any(
            "0000-0003-4567-8918 of https://dblp.org/pid/k/KurtKeutzer is already linked" in s
            for s in matched.json()["skipped_ids"]
        )
        assert [(x["scheme"], x["iri"]) for x in ids] == [
            ("dblp-person", "https://dblp.org/pid/k/KurtKeutzer"),
            ("wikidata", "http://www.wikidata.org/entity/Q6444466"),
        ]
        sehoon = client.get(f"/authors/{IRIS.person('Sehoon Kim', '0001').value.rsplit('/', 1)[-1]}").json()
        # dblp states another ORCID for him: one person, two ORCIDs — that one waits for review
        assert [x["label"] for x in sehoon["external_ids"]] == ["ORCID 0000-0003-4567-8918", "dblp person 270/0561-1"]
        waiting = client.get("/links", params={"status": "candidate", "kind": "person"}).json()
        (second,) = [c for c in waiting if c["object"] == "https://orcid.org/0000-0002-7272-7271"]
        assert any(e["kind"] == "conflict" for e in second["evidence"])
        page = client.get(f"/id/person/{key}", headers={"Accept": "text/html"}).text
        dblp = '<a href="https://dblp.org/pid/k/KurtKeutzer" rel="external noopener">dblp person k/KurtKeutzer</a>'
        assert dblp in page
        assert 'href="http://www.wikidata.org/entity/Q6444466"' in page
        variants = client.post("/links/variants", headers=server.auth())
        assert variants.status_code == 200 and variants.json()["added"] >= 10
        candidates = client.get("/links", params={"status": "candidate", "kind": "person"}).json()
        pair = {IRIS.person("Michael Mahoney").value, IRIS.person("Michael W. Mahoney").value}
        (mahoney,) = [c for c in candidates if {c["subject"], c["object"]} == pair]
        assert mahoney["method"] == "name-variant" and mahoney["predicate"].endswith("closeMatch")
        assert {e["kind"] for e in mahoney["evidence"]} >= {"name", "shared-coauthor"}
        # the canned query lists the same candidates
        canned = client.get("/queries/link-candidates", params={"status": "candidate"}).json()["rows"]
        every_candidate = {c["id"] for c in client.get("/links", params={"status": "candidate"}).json()}
        assert {row["link"].rsplit("/", 1)[-1] for row in canned} == every_candidate
        assert mahoney["id"] in every_candidate
        # accept, then reject: recorded with time; a rejected pair is not proposed again
        accepted = client.post(f"/links/{mahoney['id']}/accept", headers=server.auth()).json()
        assert accepted["status"] == "accepted" and accepted["decided"]
        assert accepted["predicate"] == "http://www.w3.org/2002/07/owl#sameAs"
        assert client.post(f"/links/{mahoney['id']}/reject").status_code == 401
        rejected = client.post(f"/links/{mahoney['id']}/reject", headers=server.auth()).json()
        assert rejected["status"] == "rejected"
        again = client.post("/links/variants", headers=server.auth()).json()
        assert again["added"] == 0 and again["skipped_rejected"] == 1
        assert client.get(f"/links/{mahoney['id']}").json()["status"] == "rejected"
        assert client.get("/links/nope").status_code == 404
        # /export?graph=links is the links graph alone
        exported = client.get("/export", params={"graph": "links", "format": "ntriples"})
        assert exported.status_code == 200
        lines = exported.text.splitlines()
        assert any("<http://www.w3.org/2002/07/owl#sameAs> <https://dblp.org/pid/k/KurtKeutzer>" in x for x in lines)
        assert not any("schema.org/abstract" in x for x in lines)
        full = client.get("/export", params={"format": "nquads"}).text
        assert f"<{DEFAULT_BASE}id/graph/links> ." in full

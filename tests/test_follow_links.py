"""`follow_links` on person-taking canned queries; external ids on entity pages."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scholarkg.linking.local import read_local
from scholarkg.linking.store import decide, list_links, merge_links
from scholarkg.linking.variants import propose_variants
from scholarkg.loader.identity import Iris
from scholarkg.loader.settings import DEFAULT_BASE, Settings
from scholarkg.loader.store import GraphStore
from scholarkg.queries.catalog import load_catalog
from scholarkg.queries.engine import Engine
from scholarkg.queries.follow import follow_links_text
from scholarkg.queries.parameters import ParameterError

IRIS = Iris(DEFAULT_BASE)
MAHONEY, W_MAHONEY = IRIS.person("Michael Mahoney").value, IRIS.person("Michael W. Mahoney").value


@pytest.fixture(scope="module")
def engine(
    tmp_path_factory: pytest.TempPathFactory, load_pages: Callable[..., object], seed_paths: tuple[Path, ...]
) -> Iterator[Engine]:
    folder = tmp_path_factory.mktemp("follow")
    store = GraphStore.open(folder / "store")
    load_pages(store, seed_paths)
    merge_links(store, DEFAULT_BASE, propose_variants(read_local(store)))
    ((key, _),) = [
        (k, link) for k, link in list_links(store, DEFAULT_BASE) if {link.subject, link.object} == {MAHONEY, W_MAHONEY}
    ]
    decide(store, DEFAULT_BASE, key, "accepted")
    # a candidate (not accepted) pair must not merge anybody
    assert any(
        {link.subject, link.object} == {IRIS.person("Joey Gonzalez").value, IRIS.person("Joseph Gonzalez").value}
        and link.status == "candidate"
        for _, link in list_links(store, DEFAULT_BASE)
    )
    settings = Settings(store=folder / "store", query_workers=1, query_timeout=60)
    running = Engine(settings, store, workers=1)
    yield running
    running.close()


def _rows(engine: Engine, name: str, **raw: str) -> list[dict[str, object]]:
    return json.loads(engine.run_stored(load_catalog()[name], raw).body)["rows"]  # type: ignore[no-any-return]


def test_follow_links_changes_shared_coauthors(engine: Engine) -> None:
    plain = _rows(engine, "shared-coauthors", a="Michael Mahoney", b="Kurt Keutzer")
    followed = _rows(engine, "shared-coauthors", a="Michael Mahoney", b="Kurt Keutzer", follow_links="true")
    assert (len(plain), len(followed)) == (16, 53)
    amir = {row["name"]: (row["papers_with_a"], row["papers_with_b"]) for row in followed}["Amir Gholami"]
    assert {row["name"]: (row["papers_with_a"], row["papers_with_b"]) for row in plain}["Amir Gholami"] == (5, 19)
    assert amir == (17, 19)  # Michael Mahoney's and Michael W. Mahoney's joint papers with Amir Gholami
    assert _rows(engine, "shared-coauthors", a="Michael Mahoney", b="Kurt Keutzer", follow_links="false") == plain
    # the accepted link works in both directions; a candidate (Joey/Joseph Gonzalez) merges nobody
    back = _rows(engine, "coauthors", author="Michael W. Mahoney", follow_links="1")
    assert {row["name"] for row in back} >= {
        row["name"] for row in _rows(engine, "coauthors", author="Michael Mahoney")
    }
    joey = _rows(engine, "coauthors", author="Joey Gonzalez")
    assert _rows(engine, "coauthors", author="Joey Gonzalez", follow_links="true") == joey


def test_follow_links_parameter_errors(engine: Engine) -> None:
    with pytest.raises(ParameterError, match="follow_links"):
        _rows(engine, "coauthors", author="Kurt Keutzer", follow_links="maybe")
    with pytest.raises(ParameterError, match="takes no person parameter"):
        _rows(engine, "top-authors", category="cs.LG", follow_links="true")


def test_rewrite_touches_only_variables_in_the_where_block() -> None:
    text = 'SELECT ?a ?n WHERE { ?p <http://x/y?a> "?a" ; <http://s/a> ?a # ?a\n FILTER(?a != ?b) } GROUP BY ?a'
    from pyoxigraph import NamedNode

    out = follow_links_text(text, {"a": NamedNode("http://e/p")}, "http://e/g", "http://e/")
    assert out.startswith("SELECT ?a ?n WHERE {")
    assert out.endswith("} GROUP BY ?a")
    assert '<http://x/y?a> "?a"' in out and "# ?a\n" in out
    assert "<http://s/a> ?a__same" in out and "FILTER(?a__same != ?b)" in out

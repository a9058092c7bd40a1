"""The canned query catalog: queries/*.rq headers → StoredQuery, and the headers it refuses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scholarkg.queries.catalog import QUERIES_DIR, CatalogError, Parameter, load_catalog, parse_stored_query

EXPECTED_PARAMETERS = {
    "external-profile": [("author", "person"), ("endpoint", "iri")],
    "author-papers": [("author", "person")],
    "category-papers": [("category", "category")],
    "category-papers-per-year": [("category", "category")],
    "coauthors": [("author", "person")],
    "homonyms": [],
    "link-candidates": [("status", "string")],
    "organization-papers": [("organization", "organization")],
    "paper-authors": [("paper", "paper")],
    "papers-per-year": [("author", "person")],
    "potential-collaborators": [("author", "person")],
    "provenance": [("entity", "iri")],
    "shared-coauthors": [("a", "person"), ("b", "person")],
    "top-authors": [("category", "category")],
}
GOOD_BODY = "SELECT ?name ?author WHERE { ?author schema:name ?name }\n"


def _write(tmp_path: Path, text: str, name: str = "bad.rq") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_catalog_loads_every_file_with_typed_parameters() -> None:
    catalog = load_catalog()
    assert sorted(catalog) == sorted(p.stem for p in QUERIES_DIR.glob("*.rq"))
    assert {name: [(p.name, p.type) for p in q.parameters] for name, q in catalog.items()} == EXPECTED_PARAMETERS
    assert list(catalog) == sorted(catalog)
    for name, stored in catalog.items():
        assert stored.name == name
        assert stored.title and stored.description, name
        assert stored.read_only
        assert all(p.required and p.description for p in stored.parameters), name
        assert re.search(r"^\s*ORDER BY\b", stored.text, re.M), f"{name}: no ORDER BY"
        assert not re.search(r"\bLIMIT\b", stored.text, re.I), f"{name}: the engine caps rows"
        body = stored.text  # VALUES only as the empty placeholder a `# service-values` lookup fills
        for values_name, _ in stored.service_values:
            body = re.sub(rf"VALUES\s+\?{values_name}\s*\{{\s*\}}", "", body)
        assert not re.search(r"^(?!#).*\bVALUES\b", body, re.I | re.M), name
    assert [n for n, _ in catalog["external-profile"].service_values] == ["external"]


def test_load_catalog_is_cached_and_takes_a_directory(tmp_path: Path) -> None:
    assert load_catalog() is load_catalog()
    _write(tmp_path, "# title: One\n" + GOOD_BODY.replace("?author", "?x"), "one.rq")
    _write(tmp_path, "# title: Two\n# param author: person -- someone\n" + GOOD_BODY, "two.rq")
    (tmp_path / "notes.txt").write_text("not a query")
    catalog = load_catalog.__wrapped__(tmp_path)
    assert list(catalog) == ["one", "two"]
    assert catalog["two"].parameters == (Parameter(name="author", type="person", description="someone"),)


def test_header_parts(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "#title:   Spaced   \n"
        "# description: first line\n"
        "# a free comment\n"
        "# description: second line\n"
        "# param author: person -- the author -- with a dash\n"
        "# param n: integer = 50 -- rows\n"
        "# param since: year=2020\n"
        "SELECT ?name ?author ?n ?since WHERE { ?author schema:name ?name }\n",
        "header.rq",
    )
    stored = parse_stored_query(path)
    assert (stored.name, stored.title, stored.description) == ("header", "Spaced", "first line second line")
    assert stored.parameters == (
        Parameter(name="author", type="person", description="the author -- with a dash"),
        Parameter(name="n", type="integer", default="50", description="rows"),
        Parameter(name="since", type="year", default="2020"),
    )
    assert [p.required for p in stored.parameters] == [True, False, False]
    assert stored.text == path.read_text()


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("# description: no title\n" + GOOD_BODY, 1, "missing '# title:'"),
        ("# title: T\n# param author: human -- who\n" + GOOD_BODY, 2, "needs a type among person, paper"),
        ("# title: T\n# param author: person\n# param who: person -- unused\n" + GOOD_BODY, 3, "not used as ?who"),
        ("# title: T\n# param author person\n" + GOOD_BODY, 2, "expected '# param NAME: TYPE"),
        ("# title: T\n# param author: person\n# param author: paper\n" + GOOD_BODY, 3, "declared twice"),
        (
            "# title: T\n# param author: person\nSELECT ?name WHERE { BIND(<https://e/a> AS ?author) }\n",
            2,
            "parameter 'author' cannot be bound (parameter ?author is used as the target of AS",
        ),
        (
            "# title: T\n# param author: person\nSELECT ?name WHERE { VALUES ?author { <https://e/a> } }\n",
            2,
            "parameter 'author' cannot be bound (parameter ?author is used in a VALUES header",
        ),
        ("# title: T\n# param author: person\n\nSELECT ?name ?author WHERE { ?author schema:name ?name \n", 5, "parse"),
        ("# title: T\nSELECT ?name WHERE { ?s schema:nme ?name . ?s unknown:p ?o }\n", 2, "does not parse"),
        ("# title: T\nINSERT DATA { <a:b> <a:c> <a:d> }\n", 2, "read-only"),
        ("# title: T\n\n  delete where { ?s ?p ?o }\n", 3, "read-only"),
        ("# title: T\nDROP ALL\n", 2, "read-only"),
        (
            "# title: T\n# service-values author: SELECT ?author WHERE { ?author a schema:Person }\n" + GOOD_BODY,
            2,
            "service values 'author' need an empty 'VALUES ?author { }'",
        ),
        ("# title: T\nPREFIX ex: <http://example.org/> INSERT DATA { ex:a ex:b ex:c }\n", 2, "does not parse"),
        ("# title: T\n# graph g: pages\n" + GOOD_BODY, 2, "graph 'g' needs a key among coauthors, links"),
        ("# title: T\n# graph g: coauthors\n" + GOOD_BODY, 2, "graph 'g' is not used as ?g"),
        (
            "# title: T\n# param author: person\n# graph author: coauthors\n" + GOOD_BODY,
            2,
            "both a parameter and a graph",
        ),
    ],
)
def test_malformed_files_name_file_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(CatalogError, match=re.escape(message)) as caught:
        parse_stored_query(path)
    assert str(caught.value).startswith(f"{path}:{line}: ")
    with pytest.raises(CatalogError, match=re.escape(f"{path}:{line}: ")):
        load_catalog.__wrapped__(tmp_path)


def test_a_graph_header_binds_the_stores_graph_and_is_not_a_parameter(tmp_path: Path) -> None:
    """`# graph index: coauthors` binds ?index to {base}id/graph/coauthors for every run; a client cannot pass it."""
    from pyoxigraph import NamedNode

    from scholarkg.queries.parameters import ParameterError, bind_parameters

    path = _write(
        tmp_path,
        "# title: T\n# param author: person\n# graph index: coauthors\n"
        "SELECT ?name WHERE { GRAPH ?index { ?pair skg:pairAuthor ?author } ?author schema:name ?name }\n",
    )
    stored = parse_stored_query(path)
    assert stored.graphs == (("index", "coauthors"),)
    assert [p.name for p in stored.parameters] == ["author"]
    base = "https://example.org/kg/"
    bound = bind_parameters(stored, {"author": "https://example.org/kg/id/person/x"}, lambda *a: None, base_iri=base)
    assert bound["index"] == NamedNode(f"{base}id/graph/coauthors")
    with pytest.raises(ParameterError, match="unknown parameter"):
        bind_parameters(stored, {"author": "https://e/x", "index": "https://e/g"}, lambda *a: None, base_iri=base)


def test_remote_free_is_decided_once_on_the_parse(tmp_path: Path) -> None:
    """A file without SERVICE/LOAD (a mention in a comment or a string does not count) is `remote_free`: its runs
    skip the per-request remote-target parse. One with SERVICE is not; the catalogue's own files say which."""
    catalog = load_catalog()
    assert catalog["coauthors"].remote_free  # its header comment mentions loader/coauthors.py
    assert not catalog["external-profile"].remote_free
    mention = _write(
        tmp_path, '# title: T\n# see loader/ and the service notes\nSELECT ?x WHERE { BIND("LOAD <x>" AS ?x) }\n'
    )
    assert parse_stored_query(mention).remote_free
    service = _write(
        tmp_path, "# title: T\nSELECT ?x WHERE { SERVICE <https://e.example/sparql> { ?x ?p ?o } }\n", "s.rq"
    )
    assert not parse_stored_query(service).remote_free

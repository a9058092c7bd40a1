"""The pure content negotiation (`api.negotiation`): RFC 9110 Accept handling and each resource's table."""

from __future__ import annotations

import pytest

from scholarkg.api.negotiation import (
    ENTITY,
    GRAPH_STORE,
    GRAPHS,
    ROWS,
    SOLUTIONS,
    negotiate,
    negotiate_format,
    negotiate_query,
    prefers_html,
)

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
OFFERS = [JSON, XML, "text/csv", "text/tab-separated-values"]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.parametrize("accept", [None, "", "   "])
def test_no_header_gets_the_servers_first_choice(accept: str | None) -> None:
    assert negotiate(accept, OFFERS) == JSON


def test_anything_gets_the_servers_first_choice() -> None:
    assert negotiate("*/*", OFFERS) == JSON
    assert negotiate("*", OFFERS) == JSON  # a bare '*' is read as */*


def test_exact_match() -> None:
    assert negotiate("text/csv", OFFERS) == "text/csv"
    assert negotiate("TEXT/CSV", OFFERS) == "text/csv"  # media types are case-insensitive


def test_highest_q_wins() -> None:
    assert negotiate(f"text/csv;q=0.5, {XML}", OFFERS) == XML
    assert negotiate(f"text/csv;q=0.5, {XML};q=0.4", OFFERS) == "text/csv"
    assert negotiate(f"{JSON};q=0.1, text/tab-separated-values;q=0.2", OFFERS) == "text/tab-separated-values"


def test_ties_go_to_the_servers_order() -> None:
    assert negotiate(f"text/csv, {XML}", OFFERS) == XML
    assert negotiate("text/tab-separated-values, text/csv", OFFERS) == "text/csv"


def test_type_wildcard() -> None:
    assert negotiate("text/*", OFFERS) == "text/csv"
    assert negotiate("application/*;q=0.5, text/tab-separated-values", OFFERS) == "text/tab-separated-values"


def test_more_specific_range_sets_the_quality() -> None:
    # text/csv is named at q=0.1, so text/* (0.9) only applies to TSV.
    assert negotiate("text/*;q=0.9, text/csv;q=0.1", OFFERS) == "text/tab-separated-values"
    # */* at 1 does not lift JSON above its own explicit q=0.2.
    assert negotiate(f"*/*, {JSON};q=0.2", OFFERS) == XML


def test_q_zero_excludes() -> None:
    assert negotiate(f"*/*, {JSON};q=0", OFFERS) == XML
    assert negotiate(f"{JSON};q=0", OFFERS) is None
    assert negotiate("text/*;q=0, */*;q=0.5", OFFERS) == JSON
    assert negotiate("*/*;q=0", OFFERS) is None


def test_bad_q_counts_as_zero_and_out_of_range_is_clamped() -> None:
    assert negotiate(f"{JSON};q=abc", OFFERS) is None
    assert negotiate(f"{JSON};q=7, {XML};q=0.9", OFFERS) == JSON


def test_other_parameters_are_ignored() -> None:
    assert negotiate('text/csv; charset=utf-8; header="present"', OFFERS) == "text/csv"


def test_browser_accept_string() -> None:
    assert negotiate(BROWSER, list(ENTITY)) == "text/html"
    # A browser asking the SPARQL endpoint gets XML (application/xml;q=0.9 beats */*;q=0.8).
    assert negotiate_format(BROWSER, SOLUTIONS) == "xml"
    assert negotiate_format(BROWSER, GRAPHS) == "turtle"  # only */*: the server's first graph format
    assert prefers_html(BROWSER)


def test_unknown_type_is_none() -> None:
    assert negotiate("image/png", OFFERS) is None
    assert negotiate("application/sparql-results+yaml", OFFERS) is None
    assert negotiate_format("image/png", SOLUTIONS) is None


def test_no_offers() -> None:
    assert negotiate("*/*", []) is None


def test_header_without_any_media_range_is_ignored() -> None:
    assert negotiate("garbage", OFFERS) == JSON


def test_prefers_html_only_for_html_clients() -> None:
    assert not prefers_html(None)
    assert not prefers_html("*/*")
    assert not prefers_html(JSON)
    assert not prefers_html("text/html;q=0.1, text/turtle")
    assert prefers_html("text/html")


# -- the tables --------------------------------------------------------------------------------------
TABLES = {"SOLUTIONS": SOLUTIONS, "GRAPHS": GRAPHS, "ROWS": ROWS, "ENTITY": ENTITY}
DEFAULTS = {"SOLUTIONS": "json", "GRAPHS": "turtle", "ROWS": "rows", "ENTITY": "html"}


@pytest.mark.parametrize("name", TABLES)
def test_each_table_defaults_to_its_first_format(name: str) -> None:
    assert negotiate_format(None, TABLES[name]) == DEFAULTS[name]
    assert negotiate_format("*/*", TABLES[name]) == DEFAULTS[name]


@pytest.mark.parametrize(("name", "media"), [(name, media) for name, table in TABLES.items() for media in table])
def test_each_media_type_of_each_table_selects_its_format(name: str, media: str) -> None:
    table = TABLES[name]
    assert negotiate_format(media, table) == table[media]
    assert negotiate_format(f"image/png, {media};q=0.5", table) == table[media]


def test_table_contents() -> None:
    assert set(SOLUTIONS.values()) == {"json", "xml", "csv", "tsv"}
    assert set(GRAPHS.values()) == {"turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml"}
    assert ROWS["application/json"] == "rows" and ROWS[JSON] == "json"
    assert ENTITY["application/json"] == "jsonld"


# -- a query of unknown kind: lenient like Fuseki and Oxigraph server ----------------------------------
@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, ("json", "turtle")),
        ("*/*", ("json", "turtle")),
        (XML, ("xml", "turtle")),  # roqet: CONSTRUCT asked for SPARQL XML gets Turtle
        (JSON, ("json", "turtle")),  # rdflib SPARQLStore(returnFormat="json")
        ("text/csv", ("csv", "turtle")),
        ("application/rdf+xml", ("json", "rdfxml")),  # SELECT asked for RDF only gets SPARQL JSON
        ("text/turtle, application/n-triples;q=0.5", ("json", "turtle")),
        (f"application/ld+json, {XML};q=0.2", ("xml", "jsonld")),
    ],
)
def test_negotiate_query_falls_back_to_each_kinds_default(accept: str | None, expected: tuple[str, str]) -> None:
    assert negotiate_query(accept) == expected


@pytest.mark.parametrize("accept", ["image/png", "application/sparql-results+yaml", "*/*;q=0", f"{JSON};q=0"])
def test_negotiate_query_is_none_only_when_nothing_matches(accept: str) -> None:
    assert negotiate_query(accept) is None


def test_graph_store_and_entity_tables_serve_json_ld_and_rdf_xml() -> None:
    assert negotiate_format("application/ld+json", GRAPH_STORE) == "jsonld"
    assert negotiate_format("application/rdf+xml", GRAPH_STORE) == "rdfxml"
    assert negotiate_format("application/n-quads", GRAPH_STORE) is None  # a dataset syntax: not one graph
    assert negotiate_format("application/rdf+xml", ENTITY) == "rdfxml"


@pytest.mark.parametrize(
    ("kind", "what"),
    [("ask", "an ASK result"), ("select", "a SELECT result"), ("graph", "a graph (CONSTRUCT/DESCRIBE) result")],
)
def test_not_acceptable_messages_use_the_right_article(kind: str, what: str) -> None:
    from scholarkg.api.errors import ApiError
    from scholarkg.queries.execute import NotAcceptableError

    error = NotAcceptableError(kind)  # type: ignore[arg-type]
    assert error.what == what and str(error) == f"no acceptable format for {what}"
    assert ApiError.not_acceptable(error.what, ["text/csv"]).message == (
        f"cannot serve {what} in any type the Accept header allows"
    )

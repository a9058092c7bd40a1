"""queries/results.py: each format is valid, terms keep their types, cuts stay valid documents."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, QueryResultsFormat, parse_query_results

from scholarkg.queries.results import serialize_boolean, serialize_solutions

XSD_INT = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
ROWS = [
    [NamedNode("http://example.org/a"), Literal('Zoë, "quoted"\tand tab', language="en")],
    [BlankNode("b0"), Literal("42", datatype=XSD_INT)],
    [NamedNode("http://example.org/c"), None],
]
PYOX_FORMATS = {"json": QueryResultsFormat.JSON, "xml": QueryResultsFormat.XML, "tsv": QueryResultsFormat.TSV}


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_round_trip_through_pyoxigraph_parser(fmt: str) -> None:
    out = serialize_solutions(["s", "o"], ROWS, fmt, max_rows=10, max_bytes=10_000)
    assert not out.truncated and out.rows == 3
    parsed = list(parse_query_results(out.body, PYOX_FORMATS[fmt]))
    assert parsed[0]["s"] == ROWS[0][0]
    assert parsed[0]["o"] == ROWS[0][1]
    assert parsed[1]["o"] == Literal("42", datatype=XSD_INT)
    assert parsed[2]["o"] is None


def test_csv_is_rfc4180_with_lexical_forms() -> None:
    out = serialize_solutions(["s", "o"], ROWS, "csv", max_rows=10, max_bytes=10_000)
    rows = list(csv.reader(io.StringIO(out.body.decode())))
    assert rows == [
        ["s", "o"],
        ["http://example.org/a", 'Zoë, "quoted"\tand tab'],
        ["_:b0", "42"],
        ["http://example.org/c", ""],
    ]
    assert out.body.endswith(b"\r\n")


def test_row_cap_marks_truncation_and_stays_valid_json() -> None:
    out = serialize_solutions(["s", "o"], ROWS, "json", max_rows=2, max_bytes=10_000)
    body = json.loads(out.body)
    assert out.truncated and out.rows == 2
    assert len(body["results"]["bindings"]) == 2 and body["truncated"] is True


def test_byte_cap_cuts_before_the_limit_and_stays_valid_xml() -> None:
    many = [[NamedNode(f"http://example.org/{i}"), Literal(str(i), datatype=XSD_INT)] for i in range(1000)]
    out = serialize_solutions(["s", "o"], many, "xml", max_rows=10_000, max_bytes=5_000)
    assert out.truncated and 0 < out.rows < 1000
    assert len(out.body) <= 5_000
    root = ET.fromstring(out.body)
    assert len(root.findall(".//{http://www.w3.org/2005/sparql-results#}result")) == out.rows


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_boolean(fmt: str) -> None:
    out = serialize_boolean(True, fmt)
    assert bool(parse_query_results(out.body, PYOX_FORMATS[fmt])) is True


@pytest.mark.parametrize("value", [True, False])
def test_boolean_csv_and_tsv_follow_jenas_askresult_convention(value: bool) -> None:
    """Byte for byte what Jena's ResultSetWriterCSV / ResultSetWriterTSV write for an ASK (and their readers
    expect): a `_askResult` header line, then the value; CRLF in CSV, LF in TSV (as in every TSV result)."""
    word = "true" if value else "false"
    csv_out = serialize_boolean(value, "csv")
    tsv_out = serialize_boolean(value, "tsv")
    assert csv_out.body == f"_askResult\r\n{word}\r\n".encode() and csv_out.media_type == "text/csv"
    assert tsv_out.body == f"?_askResult\n{word}\n".encode() and tsv_out.media_type == "text/tab-separated-values"
    # A plain SPARQL TSV reader sees one column `_askResult` holding the boolean literal.
    (solution,) = list(parse_query_results(tsv_out.body, QueryResultsFormat.TSV))
    assert solution["_askResult"] == Literal(word, datatype=NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
    assert list(csv.reader(io.StringIO(csv_out.body.decode()))) == [["_askResult"], [word]]

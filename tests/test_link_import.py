"""The links graph contract and `scholarkg link import`: reified links with evidence, atomic file imports."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import pyshacl
import pytest
import rdflib
from pyoxigraph import NamedNode
from typer.testing import CliRunner

from scholarkg.cli import app
from scholarkg.linking.importer import MappingError, read_mapping
from scholarkg.linking.local import read_local
from scholarkg.linking.model import Evidence, Link, LinkError, LinkSource, links_graph
from scholarkg.linking.store import decide, list_links, merge_links, read_links
from scholarkg.loader.identity import Iris
from scholarkg.loader.settings import DEFAULT_BASE
from scholarkg.loader.store import GraphStore
from scholarkg.ontology import ONTOLOGY_TTL, SHAPES_TTL

DATA = Path(__file__).parent / "data" / "links"
LINKS = links_graph(DEFAULT_BASE)
runner = CliRunner()


@pytest.fixture(scope="module")
def seeded_dir(
    tmp_path_factory: pytest.TempPathFactory, load_pages: Callable[..., object], seed_paths: tuple[Path, ...]
) -> Path:
    path = tmp_path_factory.mktemp("seeded") / "store"
    store = GraphStore.open(path)
    load_pages(store, seed_paths)
    store.flush()
    del store
    gc.collect()
    return path


@pytest.fixture
def store_dir(seeded_dir: Path, tmp_path: Path) -> Path:
    """A fresh copy of the seeded store (closed: the CLI opens it)."""
    target = tmp_path / "store"
    shutil.copytree(seeded_dir, target)
    return target


def _cli(*args: str, store: Path) -> object:
    result = runner.invoke(app, [*args, "--store", str(store)], catch_exceptions=False)
    if result.exc_info is not None:  # a failed command's traceback keeps its frames' locals (the open store)
        traceback.clear_frames(result.exc_info[2])
    gc.collect()  # the command's store handle is released before the next command opens it
    return result


def _links_nt(store_dir: Path) -> set[str]:
    store = GraphStore.open(store_dir, read_only=True)
    lines = {f"{q.subject} {q.predicate} {q.object} ." for q in store.store.quads_for_pattern(None, None, None, LINKS)}
    del store
    gc.collect()
    return lines


# -- the model ----------------------------------------------------------------------------------------------
def _link(**overrides: object) -> Link:
    fields: dict[str, object] = {
        "subject": f"{DEFAULT_BASE}id/person/x",
        "object": "https://orcid.org/0000-0002-1825-0097",
        "kind": "person",
        "method": "import",
        "score": 1.0,
        "status": "accepted",
        "evidence": (Evidence("identifier", "ORCID 0000-0002-1825-0097"),),
        "sources": (LinkSource(f"{DEFAULT_BASE}id/linksource/ab", "m.csv", "ab" * 32),),
    }
    fields.update(overrides)
    return Link(**fields)  # type: ignore[arg-type]


def test_no_link_without_evidence() -> None:
    with pytest.raises(LinkError, match="no link without evidence"):
        _link(evidence=())
    with pytest.raises(LinkError, match="derived from"):
        _link(sources=())
    with pytest.raises(LinkError, match="within 0–1"):
        _link(score=1.5)
    with pytest.raises(LinkError, match="status"):
        _link(status="maybe")


def test_shacl_refuses_a_link_without_evidence_written_by_hand() -> None:
    data = rdflib.Graph().parse(
        data=f"""
        @prefix skg: <https://w3id.org/scholarkg/ontology#> .
        @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
        @prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix prov: <http://www.w3.org/ns/prov#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <{DEFAULT_BASE}id/person/x> owl:sameAs <https://orcid.org/0000-0002-1825-0097> .
        <{DEFAULT_BASE}id/link/1> a skg:Link, rdf:Statement ; rdf:subject <{DEFAULT_BASE}id/person/x> ;
            rdf:predicate owl:sameAs ; rdf:object <https://orcid.org/0000-0002-1825-0097> ;
            skg:score 1.0 ; skg:method "import" ; skg:status "accepted" ; skg:linkKind "person" ;
            prov:generatedAtTime "2026-11-30T00:00:00Z"^^xsd:dateTime ; prov:wasDerivedFrom <{DEFAULT_BASE}id/s> .
        """,
        format="turtle",
    )
    shapes = rdflib.Graph().parse(SHAPES_TTL, format="turtle")
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, ont_graph=rdflib.Graph().parse(ONTOLOGY_TTL))
    assert not conforms
    assert "No link without evidence" in text


# -- import --------------------------------------------------------------------------------------------------
def test_import_writes_reified_links_with_evidence(store_dir: Path) -> None:
    result = _cli("link", "import", str(DATA / "mapping.csv"), store=store_dir)
    assert result.exit_code == 0, result.output
    assert "4 added" in result.output
    iris = Iris(DEFAULT_BASE)
    store = GraphStore.open(store_dir)
    links = {(link.subject, link.object): link for link in read_links(store, DEFAULT_BASE).values()}
    kurt = links[(iris.person("Kurt Keutzer").value, "https://dblp.org/pid/k/KurtKeutzer")]
    assert (kurt.status, kurt.method, kurt.score, kurt.kind) == ("accepted", "import", 1.0, "person")
    assert [(e.kind, e.line) for e in kurt.evidence] == [("import-line", 2), ("identifier", None)]
    assert kurt.evidence[0].comment == "mapping.csv:2: Kurt Keutzer,https://dblp.org/pid/k/KurtKeutzer,sameAs"
    (source,) = kurt.sources
    assert source.file_name == "mapping.csv" and len(source.sha256 or "") == 64
    sehoon = links[(iris.person("Sehoon Kim", "0001").value, "https://orcid.org/0000-0003-4567-8918")]
    assert sehoon.status == "accepted"
    paper = links[(iris.paper("SqueezeLLM: Dense-and-Sparse Quantization").value, "https://arxiv.org/abs/2306.07629")]
    assert paper.kind == "paper"
    mahoney = links[(iris.person("Michael W. Mahoney").value, "http://www.wikidata.org/entity/Q16731690")]
    assert (mahoney.status, mahoney.score) == ("candidate", 0.5)
    # the assertions themselves: sameAs for accepted, closeMatch for the candidate
    rows = store.select(
        f"SELECT ?p WHERE {{ GRAPH {LINKS} {{ {iris.person('Michael W. Mahoney')} ?p "
        "<http://www.wikidata.org/entity/Q16731690> }}"
    )
    assert [r["p"].value for r in rows] == ["http://www.w3.org/2004/02/skos/core#closeMatch"]
    count = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {LINKS} {{ ?s owl:sameAs ?o }} }}")
    assert count[0]["n"].value == "3"


def test_reimport_is_idempotent_and_tsv_works(store_dir: Path) -> None:
    _cli("link", "import", str(DATA / "mapping.csv"), store=store_dir)
    before = _links_nt(store_dir)
    again = _cli("link", "import", str(DATA / "mapping.csv"), store=store_dir)
    assert "0 added, 0 updated, 4 unchanged" in again.output
    assert _links_nt(store_dir) == before
    tsv = _cli("link", "import", str(DATA / "mapping.tsv"), store=store_dir)
    assert "1 added" in tsv.output
    assert any("<https://doi.org/10.48550/arxiv.2401.18079>" in line for line in _links_nt(store_dir))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ambiguous.csv", "ambiguous.csv:3: ambiguous local 'Sehoon Kim' names 2 entities"),
        ("unknown.csv", "unknown.csv:3: unknown local 'Nobody Atall'"),
        ("badid.csv", "badid.csv:3: invalid ORCID 'https://orcid.org/0000-0003-4567-8919'"),
        ("kind.csv", "kind.csv:2: a person identifier cannot be linked to the paper"),
    ],
)
def test_a_bad_line_fails_the_whole_file_and_writes_nothing(store_dir: Path, name: str, message: str) -> None:
    # In its own process: a failed command's store handle is surely closed before the store is read again (in
    # process, the exception's frames can keep RocksDB open and compacting while the reader opens it).
    result = subprocess.run(
        [sys.executable, "-m", "scholarkg.cli", "link", "import", str(DATA / name), "--store", str(store_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert message in " ".join(output.split())
    assert "nothing was written" in output
    assert _links_nt(store_dir) == set()  # line 2 (Kurt Keutzer, valid) was not written either


def test_read_mapping_names_malformed_rows(tmp_path: Path, loaded_store: GraphStore) -> None:
    local = read_local(loaded_store)
    bad = tmp_path / "m.csv"
    bad.write_text("Kurt Keutzer\n", encoding="utf-8")
    with pytest.raises(MappingError, match=r"m.csv:1: expected local,external\[,relation\], got 1 fields"):
        read_mapping(bad, local, DEFAULT_BASE)
    bad.write_text("Kurt Keutzer,Q42,related\n", encoding="utf-8")
    with pytest.raises(MappingError, match=r"m\.csv:1: relation 'related' is not sameAs or closeMatch"):
        read_mapping(bad, local, DEFAULT_BASE)
    bad.write_bytes(b"Kurt Keutzer,Q42\n\xff\n")
    with pytest.raises(MappingError, match=r"m\.csv:2: not UTF-8"):
        read_mapping(bad, local, DEFAULT_BASE)


def test_accept_reject_round_trip_and_rejected_never_proposed_again(store_dir: Path) -> None:
    _cli("link", "import", str(DATA / "mapping.csv"), store=store_dir)
    listed = _cli("link", "list", "--status", "candidate", store=store_dir)
    assert "Michael W. Mahoney" in listed.output and "Q16731690" in listed.output
    store = GraphStore.open(store_dir)
    ((key, _),) = list_links(store, DEFAULT_BASE, status="candidate")
    del store
    gc.collect()
    accepted = _cli("link", "accept", key, store=store_dir)
    assert accepted.exit_code == 0 and f"{key}: accepted at " in accepted.output
    nt = _links_nt(store_dir)
    iris = Iris(DEFAULT_BASE)
    assert (
        f"{iris.person('Michael W. Mahoney')} <http://www.w3.org/2002/07/owl#sameAs> "
        "<http://www.wikidata.org/entity/Q16731690> ." in nt
    )
    assert any(f"{DEFAULT_BASE}id/link/{key}> <https://w3id.org/scholarkg/ontology#decidedAt>" in line for line in nt)
    rejected = _cli("link", "reject", key[:8], store=store_dir)
    assert rejected.exit_code == 0 and f"{key}: rejected at " in rejected.output
    nt = _links_nt(store_dir)
    assert not any("Q16731690> ." in line and ("sameAs" in line or "closeMatch" in line) for line in nt)
    assert any('"rejected"' in line for line in nt)
    # re-proposing the rejected pair (a match, or the same proposal again) leaves it rejected
    store = GraphStore.open(store_dir)
    old = read_links(store, DEFAULT_BASE)[key]
    report = merge_links(store, DEFAULT_BASE, [_link(subject=old.subject, object=old.object, status="candidate")])
    assert report.skipped_rejected == 1 and report.written == 0
    assert read_links(store, DEFAULT_BASE)[key].status == "rejected"
    with pytest.raises(LookupError, match="no link 'nope'"):
        decide(store, DEFAULT_BASE, "nope", "accepted")


def test_export_links_graph_and_full_export(store_dir: Path, tmp_path: Path) -> None:
    _cli("link", "import", str(DATA / "mapping.csv"), store=store_dir)
    only = tmp_path / "links.nt"
    result = _cli("export", "--graph", "links", "--format", "ntriples", "-o", str(only), store=store_dir)
    assert result.exit_code == 0, result.output
    lines = set(only.read_text().splitlines())
    assert lines == _links_nt(store_dir)
    assert not any("schema.org/abstract" in line for line in lines)
    full = tmp_path / "all.nq"
    _cli("export", "--format", "nquads", "-o", str(full), store=store_dir)
    assert sum(1 for line in full.read_text().splitlines() if line.endswith(f"{LINKS} .")) == len(lines)


def test_links_graph_validates_against_the_shapes(store_dir: Path) -> None:
    _cli("link", "import", str(DATA / "mapping.csv"), store=store_dir)
    result = _cli("validate", store=store_dir)
    assert result.exit_code == 0, result.output
    assert "conforms" in result.output


def test_written_graph_is_one_named_graph(store_dir: Path) -> None:
    _cli("link", "import", str(DATA / "mapping.csv"), store=store_dir)
    store = GraphStore.open(store_dir)
    assert store.store.contains_named_graph(LINKS)
    # every link node has its evidence in the same graph
    rows = store.select(
        f"SELECT ?l (COUNT(?e) AS ?n) WHERE {{ GRAPH {LINKS} {{ ?l a skg:Link OPTIONAL {{ ?l skg:evidence ?e }} }} }} "
        "GROUP BY ?l"
    )
    assert len(rows) == 4 and all(int(r["n"].value) >= 1 for r in rows)
    page = NamedNode(f"{DEFAULT_BASE}id/source/000_e49c997fbe9f6f5b")
    assert not any("/id/link/" in q.subject.value for q in store.store.quads_for_pattern(None, None, None, page))

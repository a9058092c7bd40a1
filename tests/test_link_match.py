"""`scholarkg link match`: the dblp, Wikidata and OpenAlex samples, homonyms, namesakes, idempotence, .gz."""

from __future__ import annotations

import gc
import gzip
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scholarkg.cli import app
from scholarkg.linking.dumps import DumpError, detect
from scholarkg.linking.local import LocalGraph, read_local
from scholarkg.linking.match import ACCEPT_THRESHOLD, match_dump
from scholarkg.linking.model import Link, links_graph
from scholarkg.loader.identity import Iris
from scholarkg.loader.settings import DEFAULT_BASE
from scholarkg.loader.store import GraphStore

DATA = Path(__file__).parent / "data" / "links"
IRIS = Iris(DEFAULT_BASE)
runner = CliRunner()


@pytest.fixture(scope="module")
def local(loaded_store: GraphStore) -> LocalGraph:
    return read_local(loaded_store)


def _by_pair(links: list[Link]) -> dict[tuple[str, str], Link]:
    return {(link.subject, link.object): link for link in links}


def _person(name: str, homonym: str | None = None) -> str:
    return IRIS.person(name, homonym).value


def _paper(title: str) -> str:
    return IRIS.paper(title).value


SQUEEZELLM = "SqueezeLLM: Dense-and-Sparse Quantization"
IBERT = "I-BERT: Integer-only BERT Quantization"
KVQUANT = "KVQuant: Towards 10 Million Context Length LLM Inference with KV Cache Quantization"


def test_detects_formats_from_content(tmp_path: Path) -> None:
    assert detect(DATA / "dblp-sample.ttl") == ("dblp", "turtle")
    assert detect(DATA / "wikidata-sample.ttl") == ("wikidata", "turtle")
    assert detect(DATA / "openalex-works.jsonl") == ("openalex", "jsonl")
    renamed = tmp_path / "dump.bin.gz"  # the name says nothing; gzip is recognised by its magic number
    renamed.write_bytes(gzip.compress((DATA / "dblp-sample.ttl").read_bytes()))
    assert detect(renamed) == ("dblp", "turtle")
    unknown = tmp_path / "x.txt"
    unknown.write_text("hello\n")
    with pytest.raises(DumpError, match=r"x\.txt: cannot tell the format"):
        detect(unknown)


def test_dblp_sample(local: LocalGraph) -> None:
    result = match_dump(DATA / "dblp-sample.ttl", local, DEFAULT_BASE)
    assert (result.format, result.records, result.papers) == ("dblp", 5, 3)
    links = _by_pair(result.links)
    # papers: title (trailing period ignored) + year within one — the CoRR record (2023) of a 2024 paper too
    for key in ("conf/icml/KimHGDLSMK24", "journals/corr/abs-2306-07629"):
        paper = links[(_paper(SQUEEZELLM), f"https://dblp.org/rec/{key}")]
        assert (paper.status, paper.score, paper.method) == ("accepted", 0.95, "title+year")
    doi = links[(_paper(SQUEEZELLM), "https://doi.org/10.48550/arxiv.2306.07629")]  # dblp's upper case, folded
    assert doi.method == "identifier-via-dblp" and doi.evidence[0].kind == "identifier"
    # persons: shared matched papers at the same ordinal, names compatible
    kurt = links[(_person("Kurt Keutzer"), "https://dblp.org/pid/k/KurtKeutzer")]
    assert (kurt.status, kurt.score, kurt.method) == ("accepted", 0.999, "coauthors")
    assert [e.ordinal for e in kurt.evidence if e.kind == "ordinal"] == [8, 8, 5, 6]
    assert {e.value for e in kurt.evidence if e.kind == "shared-paper"} == {
        _paper(SQUEEZELLM),
        _paper(IBERT),
        _paper(KVQUANT),
    }
    # the linked dblp person's ORCID and Wikidata id are linked too
    assert links[(_person("Kurt Keutzer"), "https://orcid.org/0000-0003-4567-8918")].status == "accepted"
    assert (_person("Kurt Keutzer"), "http://www.wikidata.org/entity/Q6444466") in links
    sehoon = links[(_person("Sehoon Kim", "0001"), "https://dblp.org/pid/270/0561-1")]
    assert (sehoon.status, sehoon.score) == ("accepted", 0.99)
    assert links[(_person("Sehoon Kim", "0001"), "https://orcid.org/0000-0002-7272-7271")].status == "accepted"
    # our "Sehoon Kim" without a number matches the same dblp person only as a candidate (two local persons
    # are never merged silently)
    plain = links[(_person("Sehoon Kim"), "https://dblp.org/pid/270/0561-1")]
    assert (plain.status, plain.score) == ("candidate", 0.855)
    assert any(e.kind == "conflict" for e in plain.evidence)
    # middle names may be missing: Coleman Richard Charles Hooper ~ Coleman Hooper (a candidate)
    coleman = links[(_person("Coleman Richard Charles Hooper"), "https://dblp.org/pid/320/4896")]
    assert (coleman.status, coleman.score) == ("candidate", 0.833)
    assert links[(_person("Coleman Hooper"), "https://dblp.org/pid/320/4896")].status == "accepted"
    assert links[(_person("Yakun S. Shao"), "https://dblp.org/pid/55/9971")].score == 0.833
    # an invalid ORCID in the dump is refused and reported, not linked
    assert not any(o.startswith("https://orcid.org/0000-0002-7272-7272") for _, o in links)
    assert any("0000-0002-7272-7272" in problem for problem in result.invalid_ids)


def test_namesake_and_homonym_are_never_linked(local: LocalGraph, tmp_path: Path) -> None:
    result = match_dump(DATA / "dblp-sample.ttl", local, DEFAULT_BASE)
    objects = {link.object for link in result.links}
    assert "https://dblp.org/pid/270/0561-2" not in objects  # Sehoon Kim 0002: no shared paper
    assert "https://orcid.org/0000-0001-9876-5439" not in objects
    # a dblp homonym number different from ours is a different person, even at the same ordinal
    trap = tmp_path / "homonym.nt"
    trap.write_text(
        "<https://dblp.org/rec/conf/icml/X21> <https://dblp.org/rdf/schema#title> "
        '"I-BERT: Integer-only BERT Quantization." .\n'
        "<https://dblp.org/rec/conf/icml/X21> <https://dblp.org/rdf/schema#yearOfPublication> "
        '"2021"^^<http://www.w3.org/2001/XMLSchema#gYear> .\n'
        "<https://dblp.org/rec/conf/icml/X21> <https://dblp.org/rdf/schema#hasSignature> _:a .\n"
        '_:a <https://dblp.org/rdf/schema#signatureDblpName> "Sehoon Kim 0002" .\n'
        "_:a <https://dblp.org/rdf/schema#signatureCreator> <https://dblp.org/pid/270/0561-2> .\n"
        '_:a <https://dblp.org/rdf/schema#signatureOrdinal> "1"^^<http://www.w3.org/2001/XMLSchema#int> .\n',
        encoding="utf-8",
    )
    trapped = match_dump(trap, local, DEFAULT_BASE)
    assert trapped.format == "dblp"
    assert [link.object for link in trapped.links] == ["https://dblp.org/rec/conf/icml/X21"]


def test_wikidata_sample(local: LocalGraph) -> None:
    result = match_dump(DATA / "wikidata-sample.ttl", local, DEFAULT_BASE)
    links = _by_pair(result.links)
    assert links[(_paper(SQUEEZELLM), "http://www.wikidata.org/entity/Q118890001")].status == "accepted"
    assert links[(_paper(SQUEEZELLM), "https://doi.org/10.48550/arxiv.2306.07629")].status == "accepted"
    assert links[(_paper(IBERT), "https://arxiv.org/abs/2101.01321")].status == "accepted"
    kurt = links[(_person("Kurt Keutzer"), "http://www.wikidata.org/entity/Q6444466")]
    assert (kurt.status, kurt.score) == ("accepted", 0.99)  # p:P50/ps:P50 with pq:P1545 8 and 5
    assert links[(_person("Kurt Keutzer"), "https://dblp.org/pid/k/KurtKeutzer")].method == "identifier-via-wikidata"
    mahoney = links[(_person("Michael W. Mahoney"), "http://www.wikidata.org/entity/Q59682001")]
    assert (mahoney.status, mahoney.score) == ("accepted", 0.9)
    assert "http://www.wikidata.org/entity/Q59682999" not in {o for _, o in links}  # the namesake politician
    assert any("0000-0001-9876-5430" in p for p in result.invalid_ids)  # a bad check digit on Wikidata


def test_openalex_sample(local: LocalGraph) -> None:
    result = match_dump(DATA / "openalex-works.jsonl", local, DEFAULT_BASE)
    links = _by_pair(result.links)
    assert links[(_paper(SQUEEZELLM), "https://openalex.org/W4380993471")].score == 0.95
    sehoon = links[(_person("Sehoon Kim", "0001"), "https://openalex.org/A5015834801")]
    assert (sehoon.status, sehoon.score) == ("accepted", 0.941)  # OpenAlex prints no homonym number
    # OpenAlex keeps two profiles for Kurt Keutzer: both stay candidates for a person to decide
    duplicates = [links[(_person("Kurt Keutzer"), f"https://openalex.org/{a}")] for a in ("A5079470117", "A5112233445")]
    assert [(d.status, d.score) for d in duplicates] == [("candidate", 0.89), ("candidate", 0.89)]
    assert links[(_person("Kurt Keutzer"), "https://orcid.org/0000-0003-4567-8918")].status == "candidate"
    assert "https://openalex.org/A5099999999" not in {o for _, o in links}  # the materials-science namesake
    assert all(link.evidence for link in result.links)
    assert all(
        0 <= link.score <= 1 and link.status == ("accepted" if link.score >= ACCEPT_THRESHOLD else "candidate")
        for link in result.links
    )


def test_malformed_jsonl_names_the_line(local: LocalGraph, tmp_path: Path) -> None:
    bad = tmp_path / "works.jsonl"
    bad.write_text('{"id": "https://openalex.org/W1", "authorships": []}\n{not json\n', encoding="utf-8")
    with pytest.raises(DumpError, match=r"works\.jsonl:2: not a JSON object"):
        match_dump(bad, local, DEFAULT_BASE)


# -- through the CLI: gz, --format, idempotent re-run ------------------------------------------------------
@pytest.fixture
def store_dir(tmp_path: Path, load_pages: Callable[..., object], seed_paths: tuple[Path, ...]) -> Path:
    path = tmp_path / "store"
    store = GraphStore.open(path)
    load_pages(store, seed_paths)
    store.flush()
    del store
    gc.collect()
    return path


def _links_nt(store_dir: Path) -> set[str]:
    store = GraphStore.open(store_dir, read_only=True)
    graph = links_graph(DEFAULT_BASE)
    lines = {f"{q.subject} {q.predicate} {q.object} ." for q in store.store.quads_for_pattern(None, None, None, graph)}
    del store
    gc.collect()
    return lines


def test_cli_match_gz_forced_format_and_idempotent_rerun(store_dir: Path, tmp_path: Path) -> None:
    dump = tmp_path / "dblp.nt.gz"
    dump.write_bytes(gzip.compress((DATA / "dblp-sample.ttl").read_bytes()))
    first = runner.invoke(app, ["link", "match", str(dump), "--format", "dblp", "--store", str(store_dir)])
    gc.collect()
    assert first.exit_code == 0, first.output
    assert "dblp.nt.gz (dblp, 5 records, 3 papers and 13 persons matched): 21 added" in " ".join(first.output.split())
    before = _links_nt(store_dir)
    again = runner.invoke(app, ["link", "match", str(dump), "--store", str(store_dir)])
    gc.collect()
    assert "0 added, 0 updated, 21 unchanged" in again.output
    assert _links_nt(store_dir) == before
    assert any('"dblp.nt.gz"' in line for line in before)  # prov:wasDerivedFrom the dump, with its name
    bad = runner.invoke(app, ["link", "match", str(DATA / "mapping.csv"), "--store", str(store_dir)])
    assert bad.exit_code == 1 and "cannot tell the format" in bad.output
    shutil.rmtree(store_dir)


def test_exact_identifiers_come_first(local: LocalGraph) -> None:
    """An identifier already linked (accepted) to one of ours: DOI for a paper, ORCID for a person."""
    known = {
        "https://doi.org/10.48550/arxiv.2306.07629": _paper(SQUEEZELLM),
        "https://orcid.org/0000-0002-7272-7271": _person("Sehoon Kim", "0001"),
    }
    result = match_dump(DATA / "dblp-sample.ttl", local, DEFAULT_BASE, known=known)
    by_method = {(link.subject, link.object, link.method): link for link in result.links}
    corr = by_method[(_paper(SQUEEZELLM), "https://dblp.org/rec/journals/corr/abs-2306-07629", "identifier")]
    assert (corr.score, corr.status) == (1.0, "accepted")
    assert corr.evidence[0].value == "https://doi.org/10.48550/arxiv.2306.07629"
    sehoon = by_method[(_person("Sehoon Kim", "0001"), "https://dblp.org/pid/270/0561-1", "identifier")]
    assert (sehoon.score, sehoon.status) == (1.0, "accepted")
    assert "ORCID 0000-0002-7272-7271" in sehoon.evidence[0].comment

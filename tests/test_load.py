"""Loading the seeds into a real on-disk Oxigraph store: the RDF written, reloads, failures, export, SHACL."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store

from scholarkg.loader.errors import PageError
from scholarkg.loader.identity import ONTOLOGY_GRAPH, Iris
from scholarkg.loader.load import LoadResult, load_bytes
from scholarkg.loader.mapping import LOADER_VERSION
from scholarkg.loader.records import Page
from scholarkg.loader.store import GraphStore
from scholarkg.loader.validate import validate_store
from scholarkg.loader.vocab import RDF_TYPE, schema, skg

Rows = list[dict[str, str | None]]
Sparql = Callable[..., Rows]
SelectValues = Callable[..., Rows]
LoadPages = Callable[..., list[LoadResult]]

BASE = "https://w3id.org/scholarkg/"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROFILE = "000_e49c997fbe9f6f5b.txt"
SEED_STEMS = [
    "000_e49c997fbe9f6f5b",
    "001_7237205d067e25d8",
    "002_59305120740d2a0e",
    "003_9e15f5f7954c11b9",
    "004_4c6bd25234ecab12",
]
MONARCH = "Monarch: Expressive Structured Matrices for Efficient and Accurate Training"
COAT = "COAT: Compressing Optimizer states and Activations for Memory-Efficient FP8 Training"
ROUTING = "Routing with Self-Attention for Multimodal Capsule Networks"
DRIVING = "Anticipating Driving Behavior through Deep Learning-Based Policy Prediction"


def _source(stem: str) -> NamedNode:
    return NamedNode(f"{BASE}id/source/{stem}")


def _nquads(store: GraphStore) -> bytes:
    buffer = io.BytesIO()
    store.export(buffer, RdfFormat.N_QUADS)
    return buffer.getvalue()


def _sorted_nquads(store: GraphStore) -> list[bytes]:
    return sorted(_nquads(store).splitlines())


def _graph_quads(store: GraphStore, graph: NamedNode) -> set[Quad]:
    return set(store.store.quads_for_pattern(None, None, None, graph))


def _papers_named(select_values: SelectValues, store: GraphStore, title: str) -> Rows:
    return select_values(store, "SELECT ?p WHERE { ?p schema:name ?t ; a schema:ScholarlyArticle }", t=Literal(title))


# --- what the seeds become -----------------------------------------------------------------------------------------


def test_one_graph_per_source(loaded_store: GraphStore, sparql: Sparql, iris: Iris) -> None:
    graphs = {g.value for g in loaded_store.store.named_graphs()}
    expected_sources = {_source(stem).value for stem in SEED_STEMS}
    sources = expected_sources | {ONTOLOGY_GRAPH.value, iris.taxonomy_scheme.value}
    assert graphs == sources | {iris.of("graph", "coauthors").value}
    rows = sparql("SELECT ?g WHERE { GRAPH ?g { ?g a skg:SourcePage } } ORDER BY ?g")
    assert [r["g"] for r in rows] == sorted(expected_sources)
    # The default graph is the deduplicated view: exactly the distinct triples of the view sources (not the
    # derived co-author index).
    view = [q.triple for q in loaded_store.store.quads_for_pattern(None, None, None, DefaultGraph())]
    named = {q.triple for q in loaded_store.store if getattr(q.graph_name, "value", None) in sources}
    assert len(view) == len(set(view)) and set(view) == named


def test_paper_count(sparql: Sparql, loaded_store: GraphStore) -> None:
    rows = sparql("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle }")
    assert rows == [{"n": "177"}]  # 7 + 14 + 45 + 61 + 50: no paper is on two pages
    stats = loaded_store.stats()
    assert (stats["sources"], stats["papers"], stats["organizations"], stats["venues"]) == (5, 177, 4, 32)
    assert stats["graphs"] == 8  # 5 pages + ontology + taxonomy + co-author index
    # Authorships: 421 on the cluster page; 3 names per "et al." line elsewhere, plus the complete lists.
    # 000: 5×3 + 2 + 1 = 18; 001: 12×3 + 3 + 3 = 42; 004: 50×3 = 150; 002 prints no names.
    assert stats["authorships"] == 421 + 18 + 42 + 150


def test_entries_per_source(sparql: Sparql) -> None:
    rows = sparql(
        """SELECT ?file (COUNT(?e) AS ?n) WHERE { ?g skg:fileName ?file ; skg:entry ?e }
           GROUP BY ?file ORDER BY ?file"""
    )
    assert [(r["file"], r["n"]) for r in rows] == [
        ("000_e49c997fbe9f6f5b.txt", "7"),
        ("001_7237205d067e25d8.txt", "14"),
        ("002_59305120740d2a0e.txt", "45"),
        ("003_9e15f5f7954c11b9.txt", "61"),
        ("004_4c6bd25234ecab12.txt", "50"),
    ]


def test_owner_is_an_author_even_behind_et_al(sparql: Sparql, iris: Iris) -> None:
    # DISTINCT: Oxigraph's union default graph repeats a triple once per named graph stating it (Tri Dao's
    # name is stated on 000 and 001).
    rows = sparql(
        "SELECT DISTINCT ?name WHERE { ?paper schema:author/schema:name ?name } ORDER BY ?name",
        paper=iris.paper(MONARCH),
    )
    # Printed "Tri Dao, Beidi Chen, Nimit Sohoni et al." on Alexander Liu's profile.
    assert [r["name"] for r in rows] == ["Alexander Liu", "Beidi Chen", "Nimit Sohoni", "Tri Dao"]
    # …but only the printed names get an Authorship (with a position).
    rows = sparql(
        """SELECT ?pos ?printed WHERE { ?e skg:describes ?paper ; skg:authorship ?a .
                                       ?a skg:position ?pos ; skg:printedName ?printed } ORDER BY ?pos""",
        paper=iris.paper(MONARCH),
    )
    assert [(r["pos"], r["printed"]) for r in rows] == [("1", "Tri Dao"), ("2", "Beidi Chen"), ("3", "Nimit Sohoni")]
    rows = sparql(
        "SELECT ?complete ?count WHERE { ?e skg:describes ?paper ; skg:authorListComplete ?complete "
        "OPTIONAL { ?e skg:authorCount ?count } }",
        paper=iris.paper(MONARCH),
    )
    assert rows == [{"complete": "false", "count": None}]


def test_every_profile_paper_has_its_owner_as_author(sparql: Sparql) -> None:
    rows = sparql(
        """SELECT ?file (COUNT(DISTINCT ?paper) AS ?n) WHERE {
             ?g skg:fileName ?file ; foaf:primaryTopic ?owner ; skg:entry/skg:describes ?paper .
             FILTER NOT EXISTS { ?paper schema:author ?owner } } GROUP BY ?file"""
    )
    assert rows == []  # the query itself works:
    rows = sparql(
        """SELECT ?file (COUNT(DISTINCT ?paper) AS ?n) WHERE {
             ?g skg:fileName ?file ; foaf:primaryTopic ?owner ; skg:entry/skg:describes ?paper .
             ?paper schema:author ?owner } GROUP BY ?file ORDER BY ?file"""
    )
    assert [(r["file"], r["n"]) for r in rows] == [
        ("000_e49c997fbe9f6f5b.txt", "7"),
        ("001_7237205d067e25d8.txt", "14"),
        ("003_9e15f5f7954c11b9.txt", "61"),
        ("004_4c6bd25234ecab12.txt", "50"),
    ]
    rows = sparql(
        "SELECT ?owner WHERE { ?g skg:fileName ?file ; foaf:primaryTopic/schema:name ?owner }", file=Literal(PROFILE)
    )
    assert rows == [{"owner": "Alexander Liu"}]


def test_authorships_of_an_entry(sparql: Sparql, iris: Iris) -> None:
    rows = sparql(
        """SELECT ?index ?pos ?printed ?name ?homonym WHERE {
             ?e skg:describes ?paper ; skg:entryIndex ?index ; skg:authorship ?a .
             ?a skg:position ?pos ; skg:printedName ?printed ; skg:person ?person .
             ?person schema:name ?name . OPTIONAL { ?person skg:homonymNumber ?homonym } }
           ORDER BY ?pos""",
        paper=iris.paper(COAT),
    )
    assert [(r["pos"], r["printed"], r["name"], r["homonym"]) for r in rows] == [
        ("1", "Haocheng Xi", "Haocheng Xi", None),
        ("2", "Han Cai", "Han Cai", None),
        ("3", "Ligeng Zhu", "Ligeng Zhu", None),
        ("4", "Yao Lu 0006", "Yao Lu", "0006"),
        ("5", "Kurt Keutzer", "Kurt Keutzer", None),
        ("6", "Jianfei Chen 0001", "Jianfei Chen", "0001"),
        ("7", "Song Han 0003", "Song Han", "0003"),
    ]
    assert {r["index"] for r in rows} == {"2"}
    rows = sparql(
        """SELECT ?complete ?count WHERE {
             ?e skg:describes ?paper ; skg:authorListComplete ?complete ; skg:authorCount ?count }""",
        paper=iris.paper(COAT),
    )
    assert rows == [{"complete": "true", "count": "7"}]  # seven names: the list is complete


def test_homonyms_are_distinct_persons(sparql: Sparql, iris: Iris) -> None:
    yao_0006, yao = iris.person("Yao Lu", "0006"), iris.person("Yao Lu")
    assert yao_0006 != yao
    rows = sparql("SELECT ?p ?h WHERE { ?p schema:name 'Yao Lu' ; skg:homonymNumber ?h }")
    assert rows == [{"p": yao_0006.value, "h": "0006"}]
    rows = sparql("SELECT ?p WHERE { ?p a schema:Person ; schema:name ?n }", p=yao)
    assert rows == []  # no plain "Yao Lu" on the seeds
    # "Sehoon Kim" and "Sehoon Kim 0001" both appear on the cluster page: two persons, one name.
    rows = sparql(
        """SELECT ?p ?h WHERE { ?p a schema:Person ; schema:name 'Sehoon Kim' OPTIONAL { ?p skg:homonymNumber ?h } }
           ORDER BY ?h"""
    )
    assert sorted((r["p"], r["h"]) for r in rows) == sorted(
        [(iris.person("Sehoon Kim").value, None), (iris.person("Sehoon Kim", "0001").value, "0001")]
    )


@pytest.mark.parametrize(
    ("title", "notation", "label"),
    [
        ("Deja Vu: Contextual Sparsity for Efficient LLMs at Inference Time", "cs.LG", "Machine Learning"),
        ("Neighbor Oblivious Learning (NObLe) for Device Localization and Tracking", "eess.SP", "Signal Processing"),
        (
            "QuanGCN: Noise-Adaptive Training for Robust Quantum Graph Convolutional Networks",
            "quant-ph",
            "Quantum Physics",
        ),
        (
            "Measuring Real-World Prompt Injection Attacks in LLM-based Resume Screening",
            "cs.CR",
            "Cryptography and Security",
        ),
    ],
)
def test_categories_resolve_to_the_taxonomy(sparql: Sparql, iris: Iris, title: str, notation: str, label: str) -> None:
    rows = sparql(
        """SELECT ?c ?notation ?label ?g WHERE { ?paper schema:about ?c .
             GRAPH ?g { ?c skos:notation ?notation ; skos:prefLabel ?label } FILTER(lang(?label) = 'en') }""",
        paper=iris.paper(title),
    )
    assert rows == [
        {"c": f"{BASE}id/category/{notation}", "notation": notation, "label": label, "g": iris.taxonomy_scheme.value}
    ]


def test_categories_used_and_primary_categories(sparql: Sparql) -> None:
    rows = sparql("SELECT DISTINCT ?n WHERE { ?p schema:about/skos:notation ?n } ORDER BY ?n")
    assert [r["n"] for r in rows] == [
        "cs.AI",
        "cs.CL",
        "cs.CR",
        "cs.CV",
        "cs.IR",
        "cs.LG",
        "cs.SE",
        "eess.SP",
        "quant-ph",
    ]
    rows = sparql(
        "SELECT ?name ?n WHERE { ?p skg:primaryCategory/skos:notation ?n ; schema:name ?name } ORDER BY ?name"
    )
    assert [(r["name"], r["n"]) for r in rows] == [
        ("Alexander Liu", "cs.CV"),
        ("Tianlong Chen", "cs.LG"),
        ("Zichang Liu", "cs.LG"),
    ]


def test_date_published_datatypes(sparql: Sparql, iris: Iris) -> None:
    def date_of(title: str) -> tuple[str | None, str | None]:
        rows = sparql(
            "SELECT ?d (DATATYPE(?d) AS ?t) WHERE { ?paper schema:datePublished ?d }", paper=iris.paper(title)
        )
        assert len(rows) == 1
        return rows[0]["d"], rows[0]["t"]

    assert date_of(MONARCH) == ("2022-04-01", XSD + "date")
    assert date_of("ERNIE 5.0 Technical Report") == ("2026-02-04", XSD + "date")  # "Feb 4"
    assert date_of("Splitwise: Efficient generative LLM inference using phase splitting") == (
        "2023-11-30",
        XSD + "date",
    )
    assert date_of(COAT) == ("2025", XSD + "gYear")
    rows = sparql(
        """SELECT ?t (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p schema:datePublished ?d BIND(DATATYPE(?d) AS ?t) }
           GROUP BY ?t ORDER BY ?t"""
    )
    assert [(r["t"], r["n"]) for r in rows] == [(XSD + "date", "116"), (XSD + "gYear", "61")]


def test_organizations(sparql: Sparql, iris: Iris) -> None:
    rows = sparql("SELECT ?o ?id WHERE { ?o a schema:Organization ; schema:identifier ?id } ORDER BY ?id")
    assert [(r["o"], r["id"]) for r in rows] == [
        (f"{BASE}id/org/{slug}", slug) for slug in ("eth-zurich", "harvard", "ibm-research", "meta-ai")
    ]
    onion = "Peeling the Onion: Hierarchical Reduction of Data Redundancy for Efficient Vision Transformer Training"
    rows = sparql(
        "SELECT ?id WHERE { ?paper schema:sourceOrganization/schema:identifier ?id } ORDER BY ?id",
        paper=iris.paper(onion),
    )
    assert [r["id"] for r in rows] == ["harvard", "meta-ai"]
    rows = sparql(
        "SELECT (COUNT(DISTINCT ?p) AS ?papers) (COUNT(*) AS ?links) WHERE { ?p schema:sourceOrganization ?o }"
    )
    assert rows == [{"papers": "4", "links": "5"}]


def test_venues(sparql: Sparql, iris: Iris) -> None:
    rows = sparql(
        """SELECT ?edition ?year ?series ?type ?pub WHERE {
             ?paper skg:presentedAt ?e ; skg:publicationType ?pub .
             ?e a skg:VenueEdition ; schema:name ?edition ; skg:year ?year ; schema:superEvent ?s .
             ?s a skg:VenueSeries ; schema:name ?series ; skg:venueType ?type }""",
        paper=iris.paper(COAT),
    )
    assert rows == [
        {"edition": "ICLR 2025", "year": "2025", "series": "ICLR", "type": "Conference", "pub": "Conference Paper"}
    ]
    rows = sparql(
        "SELECT ?name (COUNT(?e) AS ?n) WHERE { ?e schema:superEvent/schema:name ?name } GROUP BY ?name ORDER BY ?name"
    )
    assert [(r["name"], r["n"]) for r in rows] == [
        ("AAAI", "5"), ("ICLR", "5"), ("ICML", "7"), ("ICRA", "3"), ("IJCAI", "3"), ("IROS", "1"), ("NeurIPS", "8"),
    ]  # fmt: skip
    rows = sparql("SELECT (COUNT(?p) AS ?n) WHERE { ?p skg:presentedAt/schema:name 'NeurIPS 2025' }")
    assert rows == [{"n": "6"}]


def test_entry_figures(sparql: Sparql, iris: Iris) -> None:
    rows = sparql(
        """SELECT ?score (DATATYPE(?score) AS ?t) ?code WHERE {
             ?e skg:describes ?paper ; skg:trendingScore ?score . ?paper skg:hasCode ?code }""",
        paper=iris.paper("Measuring Real-World Prompt Injection Attacks in LLM-based Resume Screening"),
    )
    assert rows == [{"score": "97.3", "t": XSD + "decimal", "code": "false"}]
    rows = sparql("SELECT ?title ?up WHERE { ?e skg:upvotes ?up ; skg:describes/schema:name ?title } ORDER BY ?title")
    assert [(r["title"], r["up"]) for r in rows] == [
        (
            "SitEmb-v1.5: Improved Context-Aware Dense Retrieval for Semantic Association and Long Story Comprehension",
            "3",
        ),
        ("Steepest Descent Density Control for Compact 3D Gaussian Splatting", "2"),
        ("Word-Level Representation From Bytes For Language Modeling", "2"),
    ]
    rows = sparql(
        "SELECT ?n WHERE { ?e skg:describes ?paper ; skg:authorCount ?n }",
        paper=iris.paper(
            "Koala-36M: A Large-scale Video Dataset Improving Consistency between Fine-grained Conditions "
            "and Video Content"
        ),
    )
    assert rows == [{"n": "13"}]
    rows = sparql(
        "SELECT ?repo WHERE { ?paper schema:codeRepository ?repo FILTER(isIRI(?repo)) }",
        paper=iris.paper("REVISE: A Tool for Measuring and Mitigating Bias in Visual Datasets"),
    )
    assert rows == [{"repo": "https://github.com/princetonvisualai/revise-tool"}]


def test_literals_round_trip_exactly(
    select_values: SelectValues, loaded_store: GraphStore, seed_pages: dict[str, Page]
) -> None:
    """Titles with backslashes, curly quotes and non-breaking hyphens come back unchanged from the store."""
    for entry in seed_pages["003_9e15f5f7954c11b9.txt"].entries[:10]:
        assert len(_papers_named(select_values, loaded_store, entry.title)) == 1, entry.title
    abstract = seed_pages["004_4c6bd25234ecab12.txt"].entries[5].abstract
    assert abstract is not None and "\\url{https://github.com/VITA-Group/UVC}" in abstract
    rows = select_values(loaded_store, "SELECT ?p WHERE { ?p schema:abstract ?a }", a=Literal(abstract))
    assert len(rows) == 1


METRICS = {
    "000_e49c997fbe9f6f5b": ("Alexander Liu", (4, 7, 433, 61, 42)),
    "001_7237205d067e25d8": ("Zichang Liu", (45, 14, 958, 59, 53)),
    "004_4c6bd25234ecab12": ("Tianlong Chen", (73, 247, 13529, 55, 67)),
}
METRIC_NAMES = ("hIndex", "paperCount", "citationCount", "noveltyPercent", "aiScore")


@pytest.mark.parametrize(
    ("stem", "owner", "values"),
    [(stem, owner, dict(zip(METRIC_NAMES, values, strict=True))) for stem, (owner, values) in METRICS.items()],
)
def test_metric_observations(sparql: Sparql, stem: str, owner: str, values: dict[str, int]) -> None:
    rows = sparql(
        """SELECT ?o ?metric ?value (DATATYPE(?value) AS ?vt) ?date (DATATYPE(?date) AS ?dt) ?who WHERE {
             GRAPH ?g { ?o a skg:MetricObservation , schema:Observation ; prov:wasDerivedFrom ?g ;
                          schema:measuredProperty ?metric ; schema:value ?value ; schema:observationDate ?date ;
                          schema:observationAbout/schema:name ?who } }""",
        g=_source(stem),
    )
    assert len(rows) == 5
    assert {r["metric"]: int(str(r["value"])) for r in rows} == {
        f"https://w3id.org/scholarkg/ontology#{k}": v for k, v in values.items()
    }
    assert {(r["vt"], r["date"], r["dt"], r["who"]) for r in rows} == {
        (XSD + "integer", "2026-11-23", XSD + "date", owner)
    }
    assert {r["o"] for r in rows} == {f"{BASE}id/observation/{stem}.{k}" for k in values}


def test_no_metrics_outside_profiles(sparql: Sparql) -> None:
    rows = sparql("SELECT (COUNT(?o) AS ?n) WHERE { ?o a skg:MetricObservation }")
    assert rows == [{"n": "15"}]


def test_provenance_per_source(sparql: Sparql, seeds_dir: Path) -> None:
    rows = sparql(
        """SELECT ?g ?file ?format ?sha ?date (DATATYPE(?date) AS ?dt) ?version ?entries ?declared ?rows ?listing
           WHERE {
             GRAPH ?g { ?g a skg:SourcePage , prov:Entity ; skg:fileName ?file ; skg:pageFormat ?format ;
                          skg:sha256 ?sha ; skg:retrievedOn ?date ; skg:loaderVersion ?version ;
                          skg:entryCount ?entries .
                        OPTIONAL { ?g skg:declaredPaperCount ?declared }
                        OPTIONAL { ?g skg:authorRowCount ?rows }
                        OPTIONAL { ?g skg:listingDate ?listing } } } ORDER BY ?file"""
    )
    expected = [
        ("000_e49c997fbe9f6f5b.txt", "author-profile", "7", "7", None, None),
        ("001_7237205d067e25d8.txt", "author-profile", "14", "14", None, None),
        ("002_59305120740d2a0e.txt", "daily-papers", "45", None, None, "2026-01-29"),
        ("003_9e15f5f7954c11b9.txt", "author-cluster", "61", "61", "2", None),
        ("004_4c6bd25234ecab12.txt", "author-profile", "50", "247", None, None),
    ]
    assert [(r["file"], r["format"], r["entries"], r["declared"], r["rows"], r["listing"]) for r in rows] == expected
    for row in rows:
        file = row["file"]
        assert file is not None
        assert row["g"] == _source(Path(file).stem).value
        assert row["sha"] == hashlib.sha256((seeds_dir / file).read_bytes()).hexdigest()
        assert (row["date"], row["dt"], row["version"]) == ("2026-11-23", XSD + "date", LOADER_VERSION)


def test_every_triple_of_a_source_graph_is_about_that_page(loaded_store: GraphStore) -> None:
    """Entries and authorships are minted per source (`{stem}.{index}[.{position}]`)."""
    for stem in SEED_STEMS:
        for quad in loaded_store.store.quads_for_pattern(None, RDF_TYPE, skg.PageEntry, _source(stem)):
            assert quad.subject.value.startswith(f"{BASE}id/entry/{stem}.")
        for quad in loaded_store.store.quads_for_pattern(None, RDF_TYPE, skg.Authorship, _source(stem)):
            assert quad.subject.value.startswith(f"{BASE}id/authorship/{stem}.")


# --- reloading ----------------------------------------------------------------------------------------------------


@pytest.fixture
def fresh_store(tmp_path: Path, seed_paths: tuple[Path, ...], load_pages: LoadPages) -> GraphStore:
    store = GraphStore.open(tmp_path / "store")
    assert all(r.ok for r in load_pages(store, seed_paths))
    return store


def test_loading_twice_is_idempotent(
    fresh_store: GraphStore, loaded_store: GraphStore, seed_paths: tuple[Path, ...], load_pages: LoadPages
) -> None:
    first = _sorted_nquads(fresh_store)
    assert first == _sorted_nquads(loaded_store)  # a fresh load equals the session's
    results = load_pages(fresh_store, seed_paths)
    assert [(r.ok, r.entries) for r in results] == [(True, 7), (True, 14), (True, 45), (True, 61), (True, 50)]
    assert _sorted_nquads(fresh_store) == first
    assert len(first) == fresh_store.quad_count() == len(fresh_store.store) - fresh_store.view_size()


def test_load_bytes_matches_load_files(
    seed_paths: tuple[Path, ...], loaded_store: GraphStore, as_of: dt.date, iris: Iris
) -> None:
    store = GraphStore.in_memory()
    path = seed_paths[3]
    result = load_bytes(store, path.name, path.read_bytes(), as_of=as_of, iris=iris)
    assert result.ok and result.page_format == "author-cluster" and result.entries == 61
    graph = _source(path.stem)
    assert _graph_quads(store, graph) == _graph_quads(loaded_store, graph)


def test_reload_replaces_the_page_graph(
    tmp_path: Path, fresh_store: GraphStore, seeds_dir: Path, load_pages: LoadPages, select_values: SelectValues
) -> None:
    original = _sorted_nquads(fresh_store)
    others = {stem: _graph_quads(fresh_store, _source(stem)) for stem in SEED_STEMS[1:]}
    lines = (seeds_dir / PROFILE).read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[33] == DRIVING + "\n" and lines[47] == ROUTING + "\n"
    lines[47] = "Routing with Self-Attention for Multimodal Capsule Networks, Revised\n"
    del lines[32:39]  # the whole "Anticipating Driving Behavior…" entry (header … abstract, blank line)
    assert lines[9] == "7 Papers\n"
    lines[9] = "6 Papers\n"  # the count line agrees with the entries (record_checks refuses a page that does not)
    modified = tmp_path / "v2" / PROFILE
    modified.parent.mkdir()
    modified.write_text("".join(lines), encoding="utf-8")

    [result] = load_pages(fresh_store, [modified])
    assert result.ok and result.entries == 6
    graph = _source(PROFILE.removesuffix(".txt"))
    rows = select_values(
        fresh_store,
        """SELECT ?i ?title ?sha WHERE {
             GRAPH ?g { ?g skg:sha256 ?sha ; skg:entry ?e . ?e skg:entryIndex ?i ; skg:describes/schema:name ?title } }
           ORDER BY ?i""",
        g=graph,
    )
    assert [r["title"] for r in rows] == [
        MONARCH,
        "Masked Autoencoders As The Unified Learners For Pre-Trained Sentence Representation",
        "REVISE: A Tool for Measuring and Mitigating Bias in Visual Datasets",
        "ARMOR: High-Performance Semi-Structured Pruning via Adaptive Matrix Factorization",
        "Routing with Self-Attention for Multimodal Capsule Networks, Revised",
        "Spoken Moments: Learning Joint Audio-Visual Representations from Video Descriptions",
    ]
    assert [r["i"] for r in rows] == ["1", "2", "3", "4", "5", "6"]
    assert {r["sha"] for r in rows} == {hashlib.sha256(modified.read_bytes()).hexdigest()}
    # The removed and the renamed paper are gone: no other page states them.
    assert _papers_named(select_values, fresh_store, ROUTING) == []
    assert _papers_named(select_values, fresh_store, DRIVING) == []
    assert select_values(fresh_store, "SELECT ?e WHERE { ?e skg:entryIndex 7 ; skg:entryOf ?g }", g=graph) == []
    # Other pages' graphs are untouched, quad for quad.
    assert {stem: _graph_quads(fresh_store, _source(stem)) for stem in SEED_STEMS[1:]} == others
    # Loading the original again restores the original dataset.
    assert load_pages(fresh_store, [seeds_dir / PROFILE])[0].ok
    assert _sorted_nquads(fresh_store) == original


def test_person_named_on_another_page_survives_a_reload(
    tmp_path: Path,
    fresh_store: GraphStore,
    seeds_dir: Path,
    load_pages: LoadPages,
    select_values: SelectValues,
    iris: Iris,
) -> None:
    """Tri Dao is named on 000 (Monarch) and 001 (Deja Vu): dropping Monarch from 000 keeps him."""
    lines = (seeds_dir / PROFILE).read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[14] == "Tri Dao, Beidi Chen, Nimit Sohoni et al.\n"
    del lines[11:18]
    assert lines[9] == "7 Papers\n"
    lines[9] = "6 Papers\n"  # the count line agrees with the entries (record_checks refuses a page that does not)
    modified = tmp_path / "v2" / PROFILE
    modified.parent.mkdir()
    modified.write_text("".join(lines), encoding="utf-8")
    assert load_pages(fresh_store, [modified])[0].ok
    assert _papers_named(select_values, fresh_store, MONARCH) == []
    query = "SELECT ?g WHERE { GRAPH ?g { ?p a schema:Person ; schema:name ?n } } ORDER BY ?g"
    assert [r["g"] for r in select_values(fresh_store, query, p=iris.person("Tri Dao"))] == [
        _source(SEED_STEMS[1]).value
    ]
    assert select_values(fresh_store, query, p=iris.person("Beidi Chen")) == []


def test_failing_pages_leave_the_store_unchanged(
    tmp_path: Path, fresh_store: GraphStore, seeds_dir: Path, load_pages: LoadPages
) -> None:
    before = _nquads(fresh_store)
    bad = tmp_path / "bad"
    bad.mkdir()
    truncated = bad / PROFILE  # same name as a loaded seed: its graph must survive the failed reload
    truncated.write_text("".join((seeds_dir / PROFILE).read_text(encoding="utf-8").splitlines(keepends=True)[:19]))
    binary = bad / "001_7237205d067e25d8.txt"
    binary.write_bytes(b"Zichang Liu\x00\x00\n")
    unknown = bad / "notes.txt"
    unknown.write_text("nothing to see\n")
    wrong_code = bad / "004_4c6bd25234ecab12.txt"
    wrong_code.write_text(
        (seeds_dir / wrong_code.name).read_text(encoding="utf-8").replace("QUANT-PHNov 9, 2022", "XYNov 9, 2022")
    )

    results = load_pages(fresh_store, [truncated, binary, unknown, wrong_code])
    assert [r.ok for r in results] == [False, False, False, False]
    assert all(isinstance(r.error, PageError) and r.graph is None and r.quads == 0 for r in results)
    assert [r.error.line for r in results if r.error] == [19, None, None, 320]
    for result, path in zip(results, [truncated, binary, unknown, wrong_code], strict=True):
        assert result.label == str(path)
        assert str(path) in str(result.error)
    assert _nquads(fresh_store) == before


# --- export -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rdf_format", [RdfFormat.N_QUADS, RdfFormat.TRIG])
def test_dataset_export_round_trip(loaded_store: GraphStore, rdf_format: RdfFormat) -> None:
    buffer = io.BytesIO()
    loaded_store.export(buffer, rdf_format)
    fresh = Store()
    fresh.load(buffer.getvalue(), rdf_format)
    # Every named graph; not the default graph, which is derived from them (rebuilt when a store opens).
    expected = {q for q in loaded_store.store if not isinstance(q.graph_name, DefaultGraph)}
    assert set(fresh.quads_for_pattern(None, None, None, None)) == expected
    assert len(fresh) == len(expected) == loaded_store.quad_count()
    assert {g.value for g in fresh.named_graphs()} == {g.value for g in loaded_store.store.named_graphs()}


def test_turtle_export_is_the_deduplicated_view(loaded_store: GraphStore, iris: Iris) -> None:
    buffer = io.BytesIO()
    loaded_store.export(buffer, RdfFormat.TURTLE)
    assert buffer.getvalue().startswith(b"@prefix ")
    fresh = Store()
    fresh.load(buffer.getvalue(), RdfFormat.TURTLE)
    assert list(fresh.named_graphs()) == []
    index = iris.of("graph", "coauthors")
    sources = [q for q in loaded_store.store if not isinstance(q.graph_name, DefaultGraph) and q.graph_name != index]
    union = {q.triple for q in sources}
    assert {q.triple for q in fresh} == union
    # Persons named on several pages are stated in several graphs, but once in the view.
    assert len(union) < len(sources)


def test_single_graph_export(loaded_store: GraphStore) -> None:
    graph = _source(SEED_STEMS[0])
    buffer = io.BytesIO()
    loaded_store.export(buffer, RdfFormat.N_QUADS, graph)
    fresh = Store()
    fresh.load(buffer.getvalue(), RdfFormat.N_QUADS)
    assert set(fresh) == _graph_quads(loaded_store, graph)
    assert len(fresh) == 299


# --- SHACL --------------------------------------------------------------------------------------------------------


def test_seeded_store_conforms(loaded_store: GraphStore) -> None:
    report = validate_store(loaded_store)
    assert report.conforms, report.text
    assert report.violations == 0


@pytest.fixture
def small_store(seed_paths: tuple[Path, ...], load_pages: LoadPages) -> GraphStore:
    store = GraphStore.in_memory()
    assert load_pages(store, seed_paths[:1])[0].ok
    assert validate_store(store).conforms
    return store


def test_authorship_position_zero_violates(small_store: GraphStore) -> None:
    graph = _source(SEED_STEMS[0])
    authorship = NamedNode(f"{BASE}id/authorship/{SEED_STEMS[0]}.1.1")
    [old] = small_store.store.quads_for_pattern(authorship, skg.position, None, graph)
    assert old.object == Literal("1", datatype=NamedNode(XSD + "integer"))
    changed = _graph_quads(small_store, graph) - {old}
    changed.add(Quad(authorship, skg.position, Literal("0", datatype=NamedNode(XSD + "integer")), graph))
    small_store.replace_graph(graph, changed)  # through the store API, so the view follows
    report = validate_store(small_store)
    assert not report.conforms
    assert report.violations == 1
    assert authorship.value in report.text


def test_paper_without_name_violates(small_store: GraphStore, iris: Iris) -> None:
    paper = iris.paper(MONARCH)
    graph = _source(SEED_STEMS[0])
    [name] = small_store.store.quads_for_pattern(paper, schema.name, None, graph)
    small_store.replace_graph(graph, _graph_quads(small_store, graph) - {name})
    report = validate_store(small_store)
    assert not report.conforms
    assert report.violations == 1
    assert paper.value in report.text

"""The canned query library (queries/*.rq) run through the real engine over all five seed pages.

Expected values come from the seed text: the helpers below read the pages independently of the loader
(profile entries: a `CODE Mon D[, YYYY]` line, the title, a blank line, the author line; cluster entries:
a title followed by `  • name` bullets), and the tests compare the query results with what they find.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Store, Variable

from scholarkg import seeds
from scholarkg.loader.identity import Iris
from scholarkg.loader.load import load_bytes, load_files
from scholarkg.loader.settings import DEFAULT_BASE, Settings
from scholarkg.loader.store import GraphStore
from scholarkg.queries.catalog import StoredQuery, load_catalog, parse_stored_query
from scholarkg.queries.engine import Engine
from scholarkg.queries.parameters import ParameterError

Rows = list[dict[str, object]]
Run = Callable[..., Rows]
AS_OF = dt.date(2026, 11, 23)
IRIS = Iris(DEFAULT_BASE)
SEEDS = seeds.SEEDS_DIR
ALEXANDER, ZICHANG, CLUSTER, TIANLONG = (
    "000_e49c997fbe9f6f5b.txt",
    "001_7237205d067e25d8.txt",
    "003_9e15f5f7954c11b9.txt",
    "004_4c6bd25234ecab12.txt",
)
MONARCH = "Monarch: Expressive Structured Matrices for Efficient and Accurate Training"
ANGLES = "Angles Don\u2019t Lie: Unlocking Training\u2011Efficient RL Through the Model\u2019s Own Signals"
COAT = "COAT: Compressing Optimizer states and Activations for Memory-Efficient FP8 Training"
EVIL_NAMES = ['"', "}", '" } ; DROP ALL #', '") || true || ("', "x> } INSERT DATA { <a> <b> <c> } #"]

# The columns of each query: the parameters come last (pyoxigraph substitutes projected variables only).
COLUMNS = {  # the parameters are projected in each .rq (pyoxigraph binds projected variables only) but hidden
    "author-papers": ["paper", "title", "date", "position", "venue", "categories"],
    "category-papers": ["paper", "title", "date", "notation"],
    "category-papers-per-year": ["year", "papers"],
    "coauthors": ["person", "name", "papers"],
    "homonyms": ["name", "persons", "homonym_numbers", "without_number"],
    "organization-papers": ["paper", "title", "date"],
    "paper-authors": ["position", "name", "printed_name", "person", "complete", "source"],
    "papers-per-year": ["year", "papers"],
    "potential-collaborators": ["person", "name", "shared"],
    "provenance": ["graph", "file_name", "page_format", "retrieved_on", "triples"],
    "shared-coauthors": ["person", "name", "papers_with_a", "papers_with_b"],
    "top-authors": ["person", "name", "papers"],
}
SAMPLE_PARAMS: dict[str, dict[str, str]] = {
    "author-papers": {"author": "Alexander Liu"},
    "category-papers": {"category": "LG"},
    "category-papers-per-year": {"category": "cs.CV"},
    "coauthors": {"author": "Tianlong Chen"},
    "homonyms": {},
    "organization-papers": {"organization": "meta-ai"},
    "paper-authors": {"paper": MONARCH},
    "papers-per-year": {"author": "Tianlong Chen"},
    "potential-collaborators": {"author": "Tri Dao"},
    "provenance": {"entity": IRIS.person("Tri Dao").value},
    "shared-coauthors": {"a": "Qinsi Wang", "b": "Chenfeng Xu"},
    "top-authors": {"category": "cs.LG"},
}

SAMPLE_BOUND = {
    ("author-papers", "author"): IRIS.person("Alexander Liu").value,
    ("category-papers", "category"): IRIS.category("cs.LG").value,
    ("category-papers-per-year", "category"): IRIS.category("cs.CV").value,
    ("coauthors", "author"): IRIS.person("Tianlong Chen").value,
    ("organization-papers", "organization"): IRIS.organization("meta-ai").value,
    ("paper-authors", "paper"): IRIS.paper(MONARCH).value,
    ("papers-per-year", "author"): IRIS.person("Tianlong Chen").value,
    ("potential-collaborators", "author"): IRIS.person("Tri Dao").value,
    ("provenance", "entity"): IRIS.person("Tri Dao").value,
    ("shared-coauthors", "a"): IRIS.person("Qinsi Wang").value,
    ("shared-coauthors", "b"): IRIS.person("Chenfeng Xu").value,
    ("top-authors", "category"): IRIS.category("cs.LG").value,
}


# --- reading the seed text (independently of the loader) ----------------------------------------------------------

_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
_PROFILE_HEAD = re.compile(
    r"^(?:\d+(?:\.\d+)?)?(?P<code>[A-Z]+(?:-[A-Z]+)?)"  # optional trending score, category code
    rf"(?P<month>{_MONTHS}) (?P<day>\d{{1,2}})(?:, (?P<year>\d{{4}}))?(?:Code)?$"
)


@dataclass(frozen=True)
class SeedEntry:
    title: str
    names: tuple[str, ...]  # as printed (cluster pages may add a dblp number: "Song Han 0003")
    code: str | None = None  # page category code (profile pages)
    year: int | None = None
    organizations: tuple[str, ...] = ()


def _text(file_name: str) -> str:
    return (SEEDS / file_name).read_text(encoding="utf-8")


def profile_entries(file_name: str) -> list[SeedEntry]:
    lines = _text(file_name).splitlines()
    entries = []
    for i, line in enumerate(lines):
        match = _PROFILE_HEAD.match(line)
        if match is None or i < 10:
            continue
        month = _MONTHS.split("|").index(match["month"]) + 1
        year = int(match["year"]) if match["year"] else AS_OF.year
        if not match["year"] and dt.date(year, month, int(match["day"])) > AS_OF:
            year -= 1
        authors, _, orgs = lines[i + 3].partition(" · ")
        names = tuple(n.strip() for n in authors.removesuffix(" et al.").split(", "))
        entries.append(SeedEntry(lines[i + 1], names, match["code"], year, tuple(orgs.split(", ")) if orgs else ()))
    return entries


def cluster_entries(file_name: str = CLUSTER) -> list[SeedEntry]:
    lines = _text(file_name).splitlines()
    entries, i = [], 0
    while i < len(lines):
        if not lines[i].startswith("  • "):
            i += 1
            continue
        title_at = i - 1
        while not lines[title_at].strip():
            title_at -= 1
        names = []
        while i < len(lines) and lines[i].startswith("  • "):
            names.append(lines[i][4:].strip())
            i += 1
        entries.append(SeedEntry(lines[title_at], tuple(names)))
    return entries


def papers_with(owner: str, file_name: str) -> list[SeedEntry]:
    """A profile page's entries with the owner added as an author (the owner wrote every paper on the page)."""
    return [
        SeedEntry(e.title, e.names if owner in e.names else (*e.names, owner), e.code, e.year, e.organizations)
        for e in profile_entries(file_name)
    ]


def test_seed_reader_finds_every_entry() -> None:
    assert [len(profile_entries(f)) for f in (ALEXANDER, ZICHANG, TIANLONG)] == [7, 14, 50]
    assert len(cluster_entries()) == 61
    assert cluster_entries()[0] == SeedEntry(
        ANGLES,
        (
            "Qinsi Wang",
            "Jinghan Ke",
            "Hancheng Ye",
            "Yueqian Lin",
            "Yuzhe Fu",
            "Jianyi Zhang",
            "Kurt Keutzer",
            "Chenfeng Xu",
        ),
    )


# --- the engine over all seeds ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def canned_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("canned") / "store"
    store = GraphStore.open(path)
    results = list(load_files(store, seeds.seed_files(), as_of=AS_OF, iris=IRIS))
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    store.flush()
    engine = Engine(Settings(store=path, query_timeout=20), store, workers=1)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def catalog() -> dict[str, StoredQuery]:
    return load_catalog()


@pytest.fixture(scope="session")
def run(canned_engine: Engine, catalog: dict[str, StoredQuery]) -> Run:
    def run(name: str, **params: str) -> Rows:
        result = json.loads(canned_engine.run_stored(catalog[name], params).body)
        assert result["columns"] == COLUMNS[name]
        assert result["truncated"] is False
        return result["rows"]

    return run


def _iri(kind: str, *key: str) -> str:
    return getattr(IRIS, kind)(*key).value


def _project(rows: Rows, *columns: str) -> list[tuple[object, ...]]:
    return [tuple(row[c] for c in columns) for row in rows]


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_every_query_runs_and_binds_its_parameters(
    name: str, run: Run, catalog: dict[str, StoredQuery], canned_engine: Engine
) -> None:
    rows = run(name, **SAMPLE_PARAMS[name])
    assert rows
    params = [p.name for p in catalog[name].parameters]
    assert params == list(SAMPLE_PARAMS[name])
    assert not set(params) & set(rows[0]), "bound parameters are not repeated as result columns"
    # Without hiding, every row carries the bound term: the substitution reached the query.
    bindings = canned_engine.bind(catalog[name], SAMPLE_PARAMS[name])
    raw = canned_engine.query(canned_engine.request(catalog[name].text, solution_format="rows", bindings=bindings))
    raw_rows = json.loads(raw.body)["rows"]
    assert len(raw_rows) == len(rows)
    for param in params:
        assert {row[param] for row in raw_rows} == {SAMPLE_BOUND[(name, param)]}


# --- co-authorship ---------------------------------------------------------------------------------------------------


def test_coauthors_of_tianlong_chen(run: Run) -> None:
    rows = run("coauthors", author="tianlong chen")  # case-insensitive name
    expected = Counter(n for e in papers_with("Tianlong Chen", TIANLONG) for n in set(e.names) - {"Tianlong Chen"})
    assert _project(rows[:4], "name", "papers") == [
        ("Zhenyu Zhang", 9),
        ("Ajay Jaiswal", 7),
        ("Peihao Wang", 7),
        ("Shiwei Liu", 7),
    ]
    assert _project(rows, "name", "papers") == sorted(expected.items(), key=lambda item: (-item[1], item[0]))
    assert len(rows) == 72
    assert rows[0]["person"] == _iri("person", "Zhenyu Zhang")


def test_coauthors_by_iri_equals_by_name(run: Run) -> None:
    assert run("coauthors", author=_iri("person", "Zichang Liu")) == run("coauthors", author="ZICHANG LIU")


def test_shared_coauthors_of_two_profile_owners_is_empty(run: Run) -> None:
    # The pages print at most three authors per paper, and Tianlong Chen's and Zichang Liu's lists share no one.
    tianlong = {n for e in profile_entries(TIANLONG) for n in e.names}
    zichang = {n for e in profile_entries(ZICHANG) for n in e.names}
    assert tianlong & zichang - {"Tianlong Chen", "Zichang Liu"} == set()
    assert run("shared-coauthors", a="Tianlong Chen", b="Zichang Liu") == []


def test_shared_coauthors_across_pages(run: Run) -> None:
    # Tri Dao is listed on Monarch (Alexander Liu's page) and on Deja Vu (Zichang Liu's page).
    rows = run("shared-coauthors", a="Alexander Liu", b="Zichang Liu")
    assert rows == [
        {
            "person": _iri("person", "Tri Dao"),
            "name": "Tri Dao",
            "papers_with_a": 1,
            "papers_with_b": 1,
        }
    ]


def test_shared_coauthors_counts_joint_papers_with_each(run: Run) -> None:
    rows = run("shared-coauthors", a="Qinsi Wang", b="Chenfeng Xu")
    papers = [set(e.names) for e in cluster_entries()]

    def joint(x: str, y: str) -> int:
        return sum(1 for names in papers if {x, y} <= names)

    expected = [
        ("Kurt Keutzer", 2, 7),
        ("Masayoshi Tomizuka", 1, 5),
        ("Jinghan Ke", 2, 2),
        ("Hancheng Ye", 1, 1),
        ("Jianyi Zhang", 1, 1),
        ("Yueqian Lin", 1, 1),
        ("Yuzhe Fu", 1, 1),
    ]
    assert _project(rows, "name", "papers_with_a", "papers_with_b") == expected
    # Kurt Keutzer owns the cluster page: he wrote all 61 papers, listed or not.
    for name, with_a, with_b in expected[1:]:
        assert (joint(name, "Qinsi Wang"), joint(name, "Chenfeng Xu")) == (with_a, with_b)
    assert (sum(1 for n in papers if "Qinsi Wang" in n), sum(1 for n in papers if "Chenfeng Xu" in n)) == (2, 7)
    swapped = run("shared-coauthors", a="Chenfeng Xu", b="Qinsi Wang")
    assert _project(swapped, "name", "papers_with_a", "papers_with_b") == [(n, b, a) for n, a, b in expected]


def test_potential_collaborators_of_tri_dao(run: Run) -> None:
    # Tri Dao wrote Monarch (Alexander Liu's page) and Deja Vu (Zichang Liu's page): the collaborators of those
    # two owners he never wrote with each share exactly one co-author (the owner) with him.
    own = {n for e in papers_with("Alexander Liu", ALEXANDER) + papers_with("Zichang Liu", ZICHANG) for n in e.names}
    tri = {
        n
        for e in papers_with("Alexander Liu", ALEXANDER) + papers_with("Zichang Liu", ZICHANG)
        if "Tri Dao" in e.names
        for n in e.names
    }
    assert tri == {"Tri Dao", "Beidi Chen", "Nimit Sohoni", "Alexander Liu", "Zichang Liu", "Jue Wang"}
    rows = run("potential-collaborators", author="Tri Dao")
    assert [row["name"] for row in rows] == sorted(own - tri)
    assert len(rows) == 37
    assert {row["shared"] for row in rows} == {1}


def test_potential_collaborators_ranked_by_shared_coauthors(run: Run) -> None:
    rows = run("potential-collaborators", author="Qinsi Wang")
    papers = [set(e.names) | {"Kurt Keutzer"} for e in cluster_entries()]
    coauthors = set().union(*(n for n in papers if "Qinsi Wang" in n)) - {"Qinsi Wang"}
    never = {n for names in papers for n in names} - coauthors - {"Qinsi Wang"}
    expected = Counter()
    for person in never:
        shared = {c for c in coauthors if any({c, person} <= names for names in papers)}
        if shared:
            expected[person] = len(shared)
    # cluster bullets keep dblp numbers ("Sehoon Kim 0001") and the query shows names without them
    expected_rows = sorted(
        ((re.sub(r" \d{4}$", "", n), k) for n, k in expected.items()), key=lambda item: (-item[1], item[0])
    )
    assert len(rows) == len(expected) == 217
    assert sorted(_project(rows, "name", "shared"), key=lambda item: (-item[1], item[0])) == expected_rows
    assert _project(rows[:2], "name", "shared") == [("Akio Kodaira", 3), ("Bichen Wu", 3)]
    assert all(row["person"] != _iri("person", "Qinsi Wang") for row in rows)


def test_potential_collaborators_of_a_page_owner_is_empty(run: Run) -> None:
    # Every co-author of Tianlong Chen appears only on his own page, where he wrote everything.
    assert run("potential-collaborators", author="Tianlong Chen") == []


# --- papers and authors ----------------------------------------------------------------------------------------------


def test_author_papers_of_alexander_liu(run: Run) -> None:
    rows = run("author-papers", author="Alexander Liu")
    assert _project(rows, "title", "date", "position", "venue", "categories") == [
        (
            "ARMOR: High-Performance Semi-Structured Pruning via Adaptive Matrix Factorization",
            "2025-10-07",
            2,
            None,
            "cs.LG",
        ),
        ("Anticipating Driving Behavior through Deep Learning-Based Policy Prediction", "2023-07-20", 1, None, "cs.CV"),
        (
            "Masked Autoencoders As The Unified Learners For Pre-Trained Sentence Representation",
            "2022-07-30",
            1,
            None,
            "cs.CL",
        ),
        (MONARCH, "2022-04-01", None, None, "cs.LG"),  # "Tri Dao, Beidi Chen, Nimit Sohoni et al."
        ("Routing with Self-Attention for Multimodal Capsule Networks", "2021-12-01", None, None, "cs.CV"),
        (
            "Spoken Moments: Learning Joint Audio-Visual Representations from Video Descriptions",
            "2021-05-10",
            3,
            None,
            "cs.CV",
        ),
        ("REVISE: A Tool for Measuring and Mitigating Bias in Visual Datasets", "2020-04-16", 2, None, "cs.CV"),
    ]
    seed = profile_entries(ALEXANDER)
    assert sorted(row["title"] for row in rows) == sorted(e.title for e in seed)
    for row in rows:
        names = next(e.names for e in seed if e.title == row["title"])
        assert row["position"] == (names.index("Alexander Liu") + 1 if "Alexander Liu" in names else None)
    assert rows[0]["paper"] == _iri("paper", rows[0]["title"])


def test_author_papers_with_venue_and_year_dates(run: Run) -> None:
    rows = run("author-papers", author="Kurt Keutzer")
    assert len(rows) == 61 == len(cluster_entries())
    angles = next(row for row in rows if row["title"] == ANGLES)
    assert (angles["date"], angles["position"], angles["venue"], angles["categories"]) == (
        "2025",
        7,
        "NeurIPS 2025",
        None,
    )
    coat = next(row for row in rows if row["title"] == COAT)
    assert (coat["date"], coat["position"], coat["venue"]) == ("2025", 5, "ICLR 2025")
    dates = [str(row["date"]) for row in rows]
    assert dates == sorted(dates, reverse=True)
    listed = [e for e in cluster_entries() if "Kurt Keutzer" in e.names]
    assert sum(1 for row in rows if row["position"] is not None) == len(listed) == 48


def test_paper_authors_in_printed_order(run: Run) -> None:
    rows = run("paper-authors", paper=ANGLES)
    assert [row["name"] for row in rows] == list(cluster_entries()[0].names)
    assert [row["position"] for row in rows] == list(range(1, 9))
    assert {(row["complete"], row["source"]) for row in rows} == {(False, CLUSTER)}
    assert all(row["printed_name"] == row["name"] for row in rows)
    assert rows[6]["person"] == _iri("person", "Kurt Keutzer")


def test_paper_authors_printed_names_keep_dblp_numbers(run: Run) -> None:
    rows = run("paper-authors", paper=COAT.lower())  # titles match case-insensitively
    printed = next(e.names for e in cluster_entries() if e.title == COAT)
    assert [row["printed_name"] for row in rows] == list(printed)
    song = next(row for row in rows if row["printed_name"] == "Song Han 0003")
    assert (song["name"], song["person"]) == ("Song Han", _iri("person", "Song Han", "0003"))


def test_paper_authors_adds_the_unprinted_page_owner(run: Run) -> None:
    rows = run("paper-authors", paper=MONARCH)
    assert _project(rows, "position", "name", "printed_name", "complete", "source") == [
        (1, "Tri Dao", "Tri Dao", False, ALEXANDER),
        (2, "Beidi Chen", "Beidi Chen", False, ALEXANDER),
        (3, "Nimit Sohoni", "Nimit Sohoni", False, ALEXANDER),
        (None, "Alexander Liu", None, False, ALEXANDER),  # behind "et al."
    ]


def test_paper_authors_of_a_complete_list(run: Run) -> None:
    title = "Masked Autoencoders As The Unified Learners For Pre-Trained Sentence Representation"
    rows = run("paper-authors", paper=title)
    assert _project(rows, "position", "name", "complete") == [(1, "Alexander Liu", True), (2, "Samuel Yang", True)]


# --- categories, organizations, years ---------------------------------------------------------------------------------


def test_category_papers_quant_ph(run: Run) -> None:
    seed = [e for f in (ALEXANDER, ZICHANG, TIANLONG) for e in profile_entries(f) if e.code == "QUANT-PH"]
    assert len(seed) == 1
    rows = run("category-papers", category="quant-ph")
    assert rows == [
        {
            "paper": _iri("paper", seed[0].title),
            "title": "QuanGCN: Noise-Adaptive Training for Robust Quantum Graph Convolutional Networks",
            "date": "2022-11-09",
            "notation": "quant-ph",
        }
    ]
    assert run("category-papers", category="QUANT-PH") == rows


def test_category_papers_lg_in_every_spelling(run: Run) -> None:
    lg = [e for f in (ALEXANDER, ZICHANG, TIANLONG) for e in profile_entries(f) if e.code == "LG"]
    rows = run("category-papers", category="cs.LG")
    assert len(rows) == len(lg) == 38
    assert sorted(row["title"] for row in rows) == sorted(e.title for e in lg)
    for spelling in ("LG", "lg", "cs.lg", _iri("category", "cs.LG")):
        assert run("category-papers", category=spelling) == rows
    dates = [str(row["date"]) for row in rows]
    assert dates == sorted(dates, reverse=True)


def test_category_papers_of_an_archive_covers_its_categories(run: Run) -> None:
    every = [e for f in (ALEXANDER, ZICHANG, TIANLONG) for e in profile_entries(f)]
    rows = run("category-papers", category=f"{DEFAULT_BASE}id/archive/cs")
    assert len(rows) == sum(1 for e in every if e.code not in ("QUANT-PH", "SP")) == 69
    assert {row["notation"] for row in rows} == {"cs.LG", "cs.CV", "cs.CL", "cs.AI", "cs.CR", "cs.IR", "cs.SE"}


@pytest.mark.parametrize("spelling", ["cs", "CS", " cs "])
def test_category_parameter_accepts_an_archive_notation(run: Run, spelling: str) -> None:
    every = [e for f in (ALEXANDER, ZICHANG, TIANLONG) for e in profile_entries(f)]
    rows = run("category-papers", category=spelling)
    assert rows == run("category-papers", category=f"{DEFAULT_BASE}id/archive/cs")
    assert len(rows) == sum(1 for e in every if e.code not in ("QUANT-PH", "SP")) == 69


def test_category_papers_per_year_of_the_cs_archive(run: Run) -> None:
    per_year = {row["year"]: row["papers"] for row in run("category-papers-per-year", category="cs")}
    lg = {row["year"]: row["papers"] for row in run("category-papers-per-year", category="cs.LG")}
    assert sum(per_year.values()) >= sum(lg.values()) > 0
    assert all(per_year[year] >= count for year, count in lg.items())  # cs covers cs.LG, year by year


def test_an_archive_includes_its_categories_papers(tmp_path: Path, catalog: dict[str, StoredQuery]) -> None:
    """`astro-ph` (an archive that is also a retired category id) covers astro-ph.CO, astro-ph.GA, …"""
    path = tmp_path / "store"
    store = GraphStore.open(path)
    assert all(r.ok for r in load_files(store, [seeds.SEEDS_DIR / ALEXANDER], as_of=AS_OF, iris=IRIS))
    category = f"{DEFAULT_BASE}id/category/"
    store.store.update(
        f"""PREFIX schema: <http://schema.org/> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        INSERT DATA {{ GRAPH <{DEFAULT_BASE}id/source/astro> {{
          <{DEFAULT_BASE}id/paper/cmb> a schema:ScholarlyArticle ; schema:name "CMB" ;
              schema:about <{category}astro-ph.CO> ; schema:datePublished "2024-03-01"^^xsd:date .
          <{DEFAULT_BASE}id/paper/galaxies> a schema:ScholarlyArticle ; schema:name "Galaxies" ;
              schema:about <{category}astro-ph.GA> ; schema:datePublished "2023-05-01"^^xsd:date . }} }} ;
        ADD <{DEFAULT_BASE}id/source/astro> TO DEFAULT"""  # queries read the default graph (the view)
    )
    engine = Engine(Settings(store=path, query_timeout=20), store, workers=1)
    try:
        per_year = json.loads(engine.run_stored(catalog["category-papers-per-year"], {"category": "astro-ph"}).body)
        papers = json.loads(engine.run_stored(catalog["category-papers"], {"category": "ASTRO-PH"}).body)
        none = json.loads(engine.run_stored(catalog["category-papers"], {"category": "astro-ph.HE"}).body)
    finally:
        engine.close()
    assert per_year["rows"] == [{"year": 2023, "papers": 1}, {"year": 2024, "papers": 1}]
    assert sorted(row["notation"] for row in papers["rows"]) == ["astro-ph.CO", "astro-ph.GA"]
    assert none["rows"] == []


def test_top_authors_in_lg(run: Run) -> None:
    rows = run("top-authors", category="LG")
    lg = [
        e
        for owner, f in (("Alexander Liu", ALEXANDER), ("Zichang Liu", ZICHANG), ("Tianlong Chen", TIANLONG))
        for e in papers_with(owner, f)
        if e.code == "LG"
    ]
    expected = Counter(n for e in lg for n in set(e.names))
    assert _project(rows[:4], "name", "papers") == [
        ("Tianlong Chen", 29),
        ("Zhenyu Zhang", 8),
        ("Zichang Liu", 7),
        ("Ajay Jaiswal", 5),
    ]
    assert _project(rows, "name", "papers") == sorted(expected.items(), key=lambda item: (-item[1], item[0]))


def test_organization_papers(run: Run) -> None:
    seed = [e.title for e in profile_entries(TIANLONG) if "meta-ai" in e.organizations]
    rows = run("organization-papers", organization="meta-ai")
    assert _project(rows, "title", "date") == [
        (
            "Peeling the Onion: Hierarchical Reduction of Data Redundancy for Efficient Vision Transformer Training",
            "2022-11-19",
        ),
        ("Training Your Sparse Neural Network Better with Any Mask", "2022-06-26"),
    ]
    assert sorted(seed) == sorted(row["title"] for row in rows)
    assert run("organization-papers", organization="META-AI") == rows
    assert _project(run("organization-papers", organization="eth-zurich"), "title") == [
        ("Deja Vu: Contextual Sparsity for Efficient LLMs at Inference Time",)
    ]


def test_papers_per_year_from_dates(run: Run) -> None:
    rows = run("papers-per-year", author="Tianlong Chen")
    assert _project(rows, "year", "papers") == [(2022, 27), (2023, 13), (2024, 3), (2026, 7)]
    assert _project(rows, "year", "papers") == sorted(Counter(e.year for e in profile_entries(TIANLONG)).items())


def test_papers_per_year_from_years(run: Run) -> None:
    rows = run("papers-per-year", author="Kurt Keutzer")  # cluster pages give xsd:gYear ("NeurIPS Conference 2025")
    text = _text(CLUSTER).splitlines()
    years = Counter()
    for entry in cluster_entries():
        venue = text[text.index(entry.title) - 2]
        years[int(re.search(r"(\d{4}) ", venue)[1])] += 1  # type: ignore[index]
    assert _project(rows, "year", "papers") == sorted(years.items())
    assert sum(row["papers"] for row in rows) == 61  # type: ignore[misc]
    assert rows[-1] == {"year": 2025, "papers": 15}


def test_category_papers_per_year(run: Run) -> None:
    rows = run("category-papers-per-year", category="CV")
    cv = [e for f in (ALEXANDER, ZICHANG, TIANLONG) for e in profile_entries(f) if e.code == "CV"]
    assert _project(rows, "year", "papers") == [(2020, 2), (2021, 3), (2022, 11), (2023, 4), (2024, 1), (2026, 2)]
    assert _project(rows, "year", "papers") == sorted(Counter(e.year for e in cv).items())


# --- homonyms and provenance ------------------------------------------------------------------------------------------


def test_homonyms_in_the_seeds(run: Run) -> None:
    rows = run("homonyms")
    assert _project(rows, "name", "persons", "homonym_numbers", "without_number") == [
        ("Sehoon Kim", 2, "0001", 1),
        ("Sheng Shen", 2, "0001", 1),
        ("Shuo Yang", 2, "0011", 1),
        ("Xiangyu Yue", 2, "0001", 1),
        ("Yilong Zhao", 2, "0002", 1),
        ("Yujun Lin", 2, "0001", 1),
        ("Zhen Dong", 2, "0003", 1),
    ]
    # In the seed text: the cluster page prints these names both with and without a dblp number.
    printed = {n for e in cluster_entries() for n in e.names}
    for name, _, number, _ in _project(rows, "name", "persons", "homonym_numbers", "without_number"):
        assert {name, f"{name} {number}"} <= printed
    numbered = {re.sub(r" \d{4}$", "", n) for n in printed if re.search(r" \d{4}$", n)}
    plain = {
        n
        for e in [*cluster_entries(), *(x for f in (ALEXANDER, ZICHANG, TIANLONG) for x in profile_entries(f))]
        for n in e.names
    }
    assert sorted(numbered & plain) == [row["name"] for row in rows]


TINY_CLUSTER = """Author name cluster

Ada Twin

2 papers
1 author rows

Possible papers

2

NeurIPS Conference 2025 Conference Paper

First Paper About Twins

  • Ada Twin 0001
  • Cy Twin 0001
  • Bob Single

ICLR Conference 2024 Conference Paper

Second Paper About Twins

  • Ada Twin 0002
  • Cy Twin 0002
  • Bob Single
"""


def test_homonyms_on_a_tiny_page(tmp_path: Path, catalog: dict[str, StoredQuery]) -> None:
    path = tmp_path / "store"
    store = GraphStore.open(path)
    result = load_bytes(store, "tiny-cluster.txt", TINY_CLUSTER.encode(), as_of=AS_OF, iris=IRIS)
    assert result.ok, result.error
    store.flush()
    engine = Engine(Settings(store=path, query_timeout=20), store, workers=1)
    try:
        rows = json.loads(engine.run_stored(catalog["homonyms"], {}).body)["rows"]
    finally:
        engine.close()
    # "Ada Twin" owns the page (no number) and is printed as 0001 and 0002; "Cy Twin" only with numbers.
    assert [(r["name"], r["persons"], sorted(r["homonym_numbers"].split(", ")), r["without_number"]) for r in rows] == [
        ("Ada Twin", 3, ["0001", "0002"], 1),
        ("Cy Twin", 2, ["0001", "0002"], 0),
    ]


def test_ambiguous_name_lists_the_persons(canned_engine: Engine, catalog: dict[str, StoredQuery]) -> None:
    with pytest.raises(ParameterError) as caught:
        canned_engine.run_stored(catalog["coauthors"], {"author": "Sehoon Kim"})
    assert caught.value.name == "author"
    message = str(caught.value)
    assert "names 2 persons" in message
    assert _iri("person", "Sehoon Kim") in message and _iri("person", "Sehoon Kim", "0001") in message


def test_homonyms_are_told_apart_by_iri(run: Run) -> None:
    plain = run("author-papers", author=_iri("person", "Sehoon Kim"))
    numbered = run("author-papers", author=_iri("person", "Sehoon Kim", "0001"))
    printed = Counter(n for e in cluster_entries() for n in e.names)
    assert (len(plain), len(numbered)) == (printed["Sehoon Kim"], printed["Sehoon Kim 0001"]) == (5, 5)
    assert not {r["paper"] for r in plain} & {r["paper"] for r in numbered}


def test_provenance_of_a_person_on_two_pages(run: Run) -> None:
    rows = run("provenance", entity=_iri("person", "Tri Dao"))
    # Per page: type, name, normalized name; schema:author from the paper; skg:person from the authorship.
    assert _project(rows, "graph", "file_name", "page_format", "retrieved_on", "triples") == [
        (_iri("source", ALEXANDER), ALEXANDER, "author-profile", "2026-11-23", 5),
        (_iri("source", ZICHANG), ZICHANG, "author-profile", "2026-11-23", 5),
    ]


def test_provenance_of_a_cluster_owner(run: Run) -> None:
    rows = run("provenance", entity=_iri("person", "Kurt Keutzer"))
    listed = sum(1 for e in cluster_entries() if "Kurt Keutzer" in e.names)
    # 3 about him + primaryTopic of the page + schema:author of 61 papers + skg:person of 48 listed authorships
    assert _project(rows, "file_name", "page_format", "triples") == [(CLUSTER, "author-cluster", 3 + 1 + 61 + listed)]
    assert listed == 48


def test_provenance_of_an_organization_and_a_category(run: Run) -> None:
    rows = run("provenance", entity=_iri("organization", "meta-ai"))
    assert _project(rows, "file_name", "triples") == [(TIANLONG, 4)]  # type, identifier, two papers
    rows = run("provenance", entity=_iri("category", "cs.LG"))
    lg = {f: sum(1 for e in profile_entries(f) if e.code == "LG") for f in (ALEXANDER, ZICHANG, TIANLONG)}
    # Zichang Liu and Tianlong Chen have LG as primary category (one more triple each)
    assert _project(rows, "file_name", "triples") == [
        (ALEXANDER, lg[ALEXANDER]),
        (ZICHANG, lg[ZICHANG] + 1),
        (TIANLONG, lg[TIANLONG] + 1),
    ]


def test_provenance_of_an_unknown_iri_is_empty(run: Run) -> None:
    assert run("provenance", entity="https://example.org/nothing?x=1#frag") == []


# --- parameters are bound as terms, never pasted ---------------------------------------------------------------------


def _quad_count(engine: Engine) -> int:
    body = engine.query(
        engine.request("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", solution_format="rows")
    )
    return json.loads(body.body)["rows"][0]["n"]


@pytest.mark.parametrize("evil", EVIL_NAMES)
def test_injection_in_a_name_is_just_an_unknown_name(
    evil: str, canned_engine: Engine, catalog: dict[str, StoredQuery]
) -> None:
    before = _quad_count(canned_engine)
    for name, raw, kind, what in (
        ("coauthors", {"author": evil}, "person", "name"),
        ("shared-coauthors", {"a": "Tri Dao", "b": evil}, "person", "name"),
        ("paper-authors", {"paper": evil}, "paper", "title"),
        ("organization-papers", {"organization": evil}, "organization", "identifier"),
    ):
        with pytest.raises(ParameterError) as caught:
            canned_engine.run_stored(catalog[name], raw)
        assert caught.value.name == next(k for k, v in raw.items() if v == evil)
        assert f"no {kind} with {what} {json.dumps(evil.strip())}" in str(caught.value)
    with pytest.raises(ParameterError, match="unknown arXiv category"):
        canned_engine.run_stored(catalog["top-authors"], {"category": evil})
    with pytest.raises(ParameterError, match="expected an http"):
        canned_engine.run_stored(catalog["provenance"], {"entity": f"https://example.org/{evil}"})
    assert _quad_count(canned_engine) == before


def test_string_parameter_is_bound_as_a_literal(canned_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "people-named.rq"
    path.write_text(
        "# title: People whose name contains a string\n"
        "# param needle: string -- part of a name\n"
        "SELECT DISTINCT ?name ?needle\n"
        "WHERE { ?p a schema:Person ; schema:name ?name FILTER(CONTAINS(?name, ?needle)) }\n"
        "ORDER BY ?name\n"
    )
    stored = parse_stored_query(path)

    def rows(needle: str) -> Rows:
        return json.loads(canned_engine.run_stored(stored, {"needle": needle}).body)["rows"]

    assert rows("Tri Da") == [{"name": "Tri Dao"}]
    for evil in EVIL_NAMES:
        assert rows(evil) == []
    assert rows(') } UNION { ?p schema:name ?name } #"') == []


def test_iri_parameter_is_bound_as_a_term(run: Run) -> None:
    entity = _iri("person", "Tri Dao")
    assert run("provenance", entity=entity + "?x") == []  # a different IRI, not a pattern
    assert {row["file_name"] for row in run("provenance", entity=entity)} == {
        "000_e49c997fbe9f6f5b.txt",
        "001_7237205d067e25d8.txt",
    }


def test_missing_parameter(canned_engine: Engine, catalog: dict[str, StoredQuery]) -> None:
    with pytest.raises(ParameterError) as caught:
        canned_engine.run_stored(catalog["shared-coauthors"], {"b": "Tri Dao"})
    assert caught.value.name == "a" and "is required" in str(caught.value)
    with pytest.raises(ParameterError) as caught:
        canned_engine.run_stored(catalog["coauthors"], {"author": "   "})
    assert caught.value.name == "author"


def test_unknown_parameter(canned_engine: Engine, catalog: dict[str, StoredQuery]) -> None:
    with pytest.raises(ParameterError) as caught:
        canned_engine.run_stored(catalog["coauthors"], {"author": "Tri Dao", "limit": "5"})
    assert caught.value.name == "limit" and "parameters: author" in str(caught.value)
    with pytest.raises(ParameterError) as caught:
        canned_engine.run_stored(catalog["homonyms"], {"name": "x"})
    assert caught.value.name == "name" and "parameters: none" in str(caught.value)


def test_unknown_values(canned_engine: Engine, catalog: dict[str, StoredQuery]) -> None:
    for name, raw, message in (
        ("coauthors", {"author": "Nobody Atall"}, 'no person with name "Nobody Atall"'),
        ("paper-authors", {"paper": "No Such Paper"}, 'no paper with title "No Such Paper"'),
        ("organization-papers", {"organization": "acme"}, 'no organization with identifier "acme"'),
        ("category-papers", {"category": "cs.FOO"}, 'unknown arXiv category "cs.FOO"'),
        ("category-papers", {"category": "ZZ"}, 'unknown arXiv category "ZZ"'),
        ("provenance", {"entity": "not an iri"}, "expected an http(s) IRI"),
        ("coauthors", {"author": "x" * 2001}, "longer than 2000 characters"),
    ):
        with pytest.raises(ParameterError, match=re.escape(message)) as caught:
            canned_engine.run_stored(catalog[name], raw)
        assert caught.value.name == next(iter(raw))


@pytest.fixture
def typed_query(tmp_path: Path) -> StoredQuery:
    path = tmp_path / "typed.rq"
    path.write_text(
        "# title: Typed parameters\n"
        "# param n: integer = 5 -- a number\n"
        "# param y: year -- a year\n"
        "# param d: date -- a day\n"
        "SELECT ?n ?y ?d (DATATYPE(?y) AS ?year_type) WHERE {}\n"
    )
    return parse_stored_query(path)


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        ("n", "five", "expected an integer"),
        ("n", "1.5", "expected an integer"),
        ("n", "1 } #", "expected an integer"),
        ("y", "99", "expected a four-digit year"),
        ("y", "2025-01", "expected a four-digit year"),
        ("d", "2026-13-01", "expected a date YYYY-MM-DD"),
        ("d", "yesterday", "expected a date YYYY-MM-DD"),
    ],
)
def test_ill_typed_values(
    param: str, value: str, message: str, typed_query: StoredQuery, canned_engine: Engine
) -> None:
    raw = {"y": "2025", "d": "2026-11-23", param: value}
    with pytest.raises(ParameterError, match=message) as caught:
        canned_engine.run_stored(typed_query, raw)
    assert caught.value.name == param


def test_typed_values_and_defaults(typed_query: StoredQuery, canned_engine: Engine) -> None:
    def unhidden(raw: dict[str, str]) -> list[dict[str, object]]:
        bindings = canned_engine.bind(typed_query, raw)
        result = canned_engine.query(canned_engine.request(typed_query.text, solution_format="rows", bindings=bindings))
        return json.loads(result.body)["rows"]  # type: ignore[no-any-return]

    rows = unhidden({"y": "2025", "d": "2026-11-23"})
    assert rows == [{"n": 5, "y": "2025", "d": "2026-11-23", "year_type": "http://www.w3.org/2001/XMLSchema#gYear"}]
    assert unhidden({"n": "-7", "y": "1999", "d": "2000-02-29"})[0]["n"] == -7
    hidden = json.loads(canned_engine.run_stored(typed_query, {"y": "2025", "d": "2026-11-23"}).body)
    assert hidden["columns"] == ["year_type"]


def test_bindings_are_terms(canned_engine: Engine, catalog: dict[str, StoredQuery]) -> None:
    bound = canned_engine.bind(catalog["shared-coauthors"], {"a": "Tri Dao", "b": _iri("person", "Zichang Liu")})
    assert bound == {
        "a": NamedNode(_iri("person", "Tri Dao")),
        "b": NamedNode(_iri("person", "Zichang Liu")),
        "index": NamedNode(f"{DEFAULT_BASE}id/graph/coauthors"),  # `# graph index: coauthors`, not a parameter
    }


def test_pyoxigraph_substitutes_projected_variables_only() -> None:
    """Why parameters are written into the text (queries.binding): pyoxigraph 0.5 substitutes projected variables
    only, after evaluating the whole pattern (SEP-0007 style), so the plan never starts from the value."""
    store = Store()
    store.update("PREFIX e: <http://e/> INSERT DATA { e:p1 e:a e:x, e:y . e:p2 e:a e:y }")
    x = {Variable("x"): NamedNode("http://e/x")}

    def values(text: str) -> list[tuple[str, ...]]:
        return sorted(tuple(t.value for t in row) for row in store.query(text, substitutions=x))  # type: ignore[union-attr]

    with pytest.raises(RuntimeError, match="SELECT projection"):
        store.query("SELECT ?c WHERE { ?p <http://e/a> ?x, ?c }", substitutions=x)
    grouped = "SELECT ?c (COUNT(?p) AS ?n) ?x WHERE { ?p <http://e/a> ?x, ?c FILTER(?c != ?x) } GROUP BY ?x ?c"
    assert values(grouped) == [("http://e/y", "1", "http://e/x")]
    projected = "SELECT ?c ?x WHERE { { SELECT ?x ?c WHERE { ?p <http://e/a> ?x, ?c FILTER(?c != ?x) } } }"
    assert values(projected) == [("http://e/y", "http://e/x")]
    # a subquery that does not project ?x has its own ?x: the substitution does not reach it
    hidden = "SELECT ?c ?x WHERE { { SELECT ?c WHERE { ?p <http://e/a> ?x, ?c FILTER(?c != ?x) } } }"
    assert values(hidden) == [("http://e/x", "http://e/x"), ("http://e/y", "http://e/x")]
    assert values("SELECT ?x (STR(?x) AS ?s) WHERE {}") == [("http://e/x", "http://e/x")]

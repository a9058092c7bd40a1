"""The `scholarkg` console entry, run as a real subprocess (`python -m scholarkg.cli`) on an on-disk store.

Subprocesses are slow (~0.5 s each), so one module fixture runs a fixed scenario once — load, inspect,
query, export, a failing load, validate, remove — and each test checks one step's recorded outcome.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# The module fixture runs ~15 CLI subprocesses (load, validate, export, …): over the global 120 s bound when
# several suites share the 2-core machine, so this module gets a larger (still finite) one.
pytestmark = pytest.mark.timeout(400)

REPO = Path(__file__).resolve().parent.parent
SEED_NAMES = (
    "000_e49c997fbe9f6f5b.txt",
    "001_7237205d067e25d8.txt",
    "002_59305120740d2a0e.txt",
    "003_9e15f5f7954c11b9.txt",
    "004_4c6bd25234ecab12.txt",
)
GRAPH_BASE = "https://w3id.org/scholarkg/id/source/"
GRAPH_000 = f"<{GRAPH_BASE}000_e49c997fbe9f6f5b>"
COUNT_PAPERS = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle }"
LIST_FILES = (
    "SELECT ?file ?format WHERE { ?g <https://w3id.org/scholarkg/ontology#fileName> ?file ; "
    "<https://w3id.org/scholarkg/ontology#pageFormat> ?format } ORDER BY ?file"
)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHOLARKG_")}
    env["COLUMNS"] = "200"  # keep Rich tables unwrapped whatever the caller's terminal
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@dataclass
class Scenario:
    store: Path
    exports: Path
    bad: dict[str, Path]
    runs: dict[str, subprocess.CompletedProcess[str]]


def _cli(*args: str | Path, store: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scholarkg.cli", *map(str, args), "--store", str(store)],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _table_rows(text: str) -> list[list[str]]:
    """Body rows of a Rich table (cells between │), header and rules skipped."""
    return [[cell.strip() for cell in line.strip().strip("│").split("│")] for line in text.splitlines() if "│" in line]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    root = tmp_path_factory.mktemp("cli")
    store, exports, bad_dir = root / "store", root / "exports", root / "bad"
    exports.mkdir()
    bad_dir.mkdir()
    truncated = bad_dir / SEED_NAMES[0]  # same name as a loaded seed, cut after an entry header (line 19)
    truncated.write_text("".join((REPO / "seeds" / SEED_NAMES[0]).read_text("utf-8").splitlines(True)[:19]), "utf-8")
    unknown = bad_dir / "notes[draft].txt"  # brackets: must be printed as text, not taken for Rich markup
    unknown.write_text("Shopping list\n\nmilk\n", "utf-8")

    runs: dict[str, subprocess.CompletedProcess[str]] = {}
    runs["load"] = _cli("load", "seeds", "--as-of", "2026-11-23", store=store)
    runs["stats"] = _cli("stats", store=store)
    runs["sources"] = _cli("sources", store=store)
    runs["query_csv"] = _cli("query", COUNT_PAPERS, "--format", "csv", store=store)
    runs["query_json"] = _cli("query", LIST_FILES, "--format", "json", store=store)
    runs["query_bad"] = _cli("query", "SELECT ?x WHERE { ?x ?y }", store=store)
    runs["export"] = _cli("export", "--format", "nquads", "-o", exports / "before.nq", store=store)
    runs["load_bad"] = _cli("load", truncated, unknown, "--as-of", "2026-11-23", store=store)
    runs["export_after_bad"] = _cli("export", "--format", "nquads", "-o", exports / "after_bad.nq", store=store)
    runs["validate"] = _cli("validate", store=store)
    runs["remove"] = _cli("remove", "000_e49c997fbe9f6f5b", store=store)
    runs["sources_after_remove"] = _cli("sources", store=store)
    runs["export_after_remove"] = _cli("export", "--format", "nquads", "-o", exports / "after_remove.nq", store=store)
    return Scenario(store=store, exports=exports, bad={"truncated": truncated, "unknown": unknown}, runs=runs)


def _ok(scenario: Scenario, step: str) -> subprocess.CompletedProcess[str]:
    run = scenario.runs[step]
    assert run.returncode == 0, f"{step}: exit {run.returncode}\n{run.stderr}"
    return run


def _lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines()


def test_load_prints_each_file(scenario: Scenario) -> None:
    run = _ok(scenario, "load")
    rows = [row for row in _table_rows(run.stdout) if row[0].startswith("seeds/")]
    expected = [
        ("author-profile", "7", "299"),
        ("author-profile", "14", "595"),
        ("daily-papers", "45", "606"),
        ("author-cluster", "61", "4295"),
        ("author-profile", "50", "1931"),
    ]
    assert rows == [
        [f"seeds/{name}", page_format, entries, quads, f"{GRAPH_BASE}{name.removesuffix('.txt')}"]
        for name, (page_format, entries, quads) in zip(SEED_NAMES, expected, strict=True)
    ]
    assert "error" not in run.stderr


def test_stats(scenario: Scenario) -> None:
    counts = {row[0]: row[1] for row in _table_rows(_ok(scenario, "stats").stdout)}
    assert {k: counts[k] for k in ("sources", "papers", "organizations", "venues", "authorships", "graphs")} == {
        "sources": "5",
        "papers": "177",
        "organizations": "4",
        "venues": "32",
        "authorships": "631",
        "graphs": "8",  # 5 pages, ontology, taxonomy, co-author index
    }


def test_sources(scenario: Scenario) -> None:
    rows = _table_rows(_ok(scenario, "sources").stdout)
    assert [row[:5] for row in rows] == [
        [SEED_NAMES[0], "author-profile", "7", "299", "2026-11-23"],
        [SEED_NAMES[1], "author-profile", "14", "595", "2026-11-23"],
        [SEED_NAMES[2], "daily-papers", "45", "606", "2026-11-23"],
        [SEED_NAMES[3], "author-cluster", "61", "4295", "2026-11-23"],
        [SEED_NAMES[4], "author-profile", "50", "1931", "2026-11-23"],
    ]
    assert [len(row[5]) for row in rows] == [12] * 5  # sha256 prefix


def test_query_csv_count(scenario: Scenario) -> None:
    assert _ok(scenario, "query_csv").stdout.splitlines() == ["n", "177"]


def test_query_json_is_sparql_results(scenario: Scenario) -> None:
    document = json.loads(_ok(scenario, "query_json").stdout)
    assert document["head"]["vars"] == ["file", "format"]
    bindings = document["results"]["bindings"]
    assert [(b["file"]["type"], b["file"]["value"], b["format"]["value"]) for b in bindings] == [
        ("literal", SEED_NAMES[0], "author-profile"),
        ("literal", SEED_NAMES[1], "author-profile"),
        ("literal", SEED_NAMES[2], "daily-papers"),
        ("literal", SEED_NAMES[3], "author-cluster"),
        ("literal", SEED_NAMES[4], "author-profile"),
    ]


def test_bad_query_fails_with_the_parser_message(scenario: Scenario) -> None:
    run = scenario.runs["query_bad"]
    assert run.returncode != 0
    assert run.stdout == ""
    assert "error" in run.stderr
    assert "1:26" in run.stderr  # position of the missing object in `{ ?x ?y }`
    assert "expected" in run.stderr


def test_export_nquads(scenario: Scenario) -> None:
    _ok(scenario, "export")
    _ok(scenario, "stats")
    lines = _lines(scenario.exports / "before.nq")
    counts = {row[0]: row[1] for row in _table_rows(scenario.runs["stats"].stdout)}
    assert len(lines) == int(counts["quads"])
    assert len(set(lines)) == len(lines)
    assert sum(1 for line in lines if line.endswith(f"{GRAPH_000} .")) == 299
    assert all(line.endswith(" .") for line in lines)


def test_bad_load_fails_names_the_files_and_changes_nothing(scenario: Scenario) -> None:
    run = scenario.runs["load_bad"]
    assert run.returncode != 0
    stderr = " ".join(run.stderr.split())
    assert f"{scenario.bad['truncated']}:19: entry header is not followed by a title" in stderr
    assert f"{scenario.bad['unknown']}: page is in no known format" in stderr
    assert "2 of 2 page(s) failed" in stderr
    _ok(scenario, "export_after_bad")
    assert (scenario.exports / "after_bad.nq").read_bytes() == (scenario.exports / "before.nq").read_bytes()


def test_validate(scenario: Scenario) -> None:
    assert "conforms" in _ok(scenario, "validate").stdout


def test_remove_drops_exactly_that_graph(scenario: Scenario) -> None:
    run = _ok(scenario, "remove")
    assert f"removed {SEED_NAMES[0]} (299 triples" in run.stdout
    files = [row[0] for row in _table_rows(_ok(scenario, "sources_after_remove").stdout)]
    assert files == list(SEED_NAMES[1:])
    _ok(scenario, "export_after_remove")
    index = "<https://w3id.org/scholarkg/id/graph/coauthors> ."  # derived: follows the pages
    before = _lines(scenario.exports / "before.nq")
    after = _lines(scenario.exports / "after_remove.nq")
    assert sorted(line for line in after if not line.endswith(index)) == sorted(
        line for line in before if not line.endswith((f"{GRAPH_000} .", index))
    )
    assert len([x for x in before if not x.endswith(index)]) - len([x for x in after if not x.endswith(index)]) == 299
    assert {x for x in after if x.endswith(index)} != {x for x in before if x.endswith(index)}

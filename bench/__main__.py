"""`python -m bench`: ScholarKG against raw pyoxigraph on a generated corpus, same data, same run.

    python -m bench                       # 10,000 papers, a few minutes on a quiet 2-core machine
    python -m bench --papers 2000 --seconds 3 --repeat 5 --out /tmp/bench

Steps (A = ScholarKG, B = raw pyoxigraph; A and B interleaved, each figure a median):
1. generate the corpus (`bench/generate.py`; reused when already there);
2. load: `scholarkg load` (parse + map + store, a child process) vs `Store.bulk_load` of the very quads it
   stored (dumped as N-Quads), with peak RSS;
3. every canned query for the most prolific author, the 99th-percentile author and a one-paper author, through
   the engine (the API's chokepoint: worker process, caps, time limit) vs `Store.query` with the IRIs written
   into the same SPARQL text;
4. against a real `scholarkg serve` on 127.0.0.1: search (`/papers?q=`, `/authors?q=`) vs a CONTAINS scan;
   `/sparql` 1-row lookups at 1, 8 and 32 clients (load generator in its own process, time-bounded) and at 8
   clients while one more client sends runaway queries, vs raw `Store.query` calls per second in one thread;
5. Turtle and N-Triples export (`scholarkg export`) vs `Store.dump` of the same triples and rdflib, MB/s and
   peak RSS.

Writes `OUT/latest.json` and `OUT/latest.md` (default OUT: bench/results) and, with `--readme`, puts the
Markdown report into bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph
from pyoxigraph import NamedNode, RdfFormat, Store

from bench.generate import AS_OF, generate
from bench.rawworker import RawQueries
from scholarkg.loader.identity import Iris
from scholarkg.loader.settings import DEFAULT_BASE, Settings
from scholarkg.loader.store import GraphStore
from scholarkg.loader.vocab import PREFIXES
from scholarkg.queries.catalog import StoredQuery, load_catalog
from scholarkg.queries.engine import Engine
from scholarkg.queries.workers import QueryBusyError, QueryTimeoutError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ROLES = ("most_prolific", "p99", "one_paper")


# -- helpers ------------------------------------------------------------------------------------------------
def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def child(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    done = subprocess.run(
        [PY, "-m", "bench.child", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.child {args[0]} failed:\n{done.stderr.decode(errors='replace')[-3000:]}")
    return json.loads(done.stdout.decode().strip().splitlines()[-1])  # type: ignore[no-any-return]


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def interleaved(
    a: Callable[[], float | None], b: Callable[[], float | None], repeat: int, budget: float
) -> tuple[list[float], list[float], str | None]:
    """Run A, B, A, B, …: up to `repeat` pairs, fewer once `budget` seconds are spent. Returns samples
    (seconds) and A's failure, if any (then A is not repeated)."""
    samples_a: list[float] = []
    samples_b: list[float] = []
    failure: str | None = None
    started = time.monotonic()
    for _ in range(repeat):
        if failure is None:
            try:
                value = a()
                if value is not None:
                    samples_a.append(value)
            except (QueryTimeoutError, QueryBusyError) as error:
                failure = f"{type(error).__name__}: {error}"
        value = b()
        if value is not None:
            samples_b.append(value)
        if time.monotonic() - started > budget:
            break
    return samples_a, samples_b, failure


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def machine() -> dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        memory = None
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": memory,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "pyoxigraph": getattr(pyoxigraph, "__version__", "?"),
        "platform": platform.platform(),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- raw formulations ---------------------------------------------------------------------------------------
_PROJECTION = re.compile(r"(?is)\bSELECT\b(.*?)(?=\bWHERE\b|\{)")


def _proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _proc_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def http_export(url: str, fmt: str, pid: int) -> dict[str, Any]:
    """`GET /export` streamed to nowhere: wall seconds, bytes, the server process's CPU seconds meanwhile and
    its resident memory growth (sampled every ~4 MB received)."""
    before_rss = peak_rss = _proc_rss_mb(pid)
    before_cpu = _proc_cpu_s(pid)
    received = sampled = 0
    started = time.perf_counter()
    with httpx.stream("GET", f"{url}/export", params={"format": fmt}, timeout=600) as response:
        response.raise_for_status()
        for chunk in response.iter_raw():
            received += len(chunk)
            if received - sampled >= 4_000_000:
                sampled = received
                peak_rss = max(peak_rss, _proc_rss_mb(pid))
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "bytes": received,
        "cpu_s": round(_proc_cpu_s(pid) - before_cpu, 2),
        "rss_growth_mb": round(max(peak_rss, _proc_rss_mb(pid)) - before_rss, 1),
    }


def written_in(text: str, values: dict[str, str]) -> str:
    """The canned query with each parameter's IRI written into the text (the raw baseline's best case)."""
    for name, iri in values.items():
        term = str(NamedNode(iri))
        variable = re.compile(rf"[?$]{re.escape(name)}\b")
        # Parameters are projected (and grouped by) for pyoxigraph's substitutions: drop them there.
        text = _PROJECTION.sub(lambda m, v=variable: "SELECT" + v.sub("", m.group(1)), text)
        text = _GROUP_BY.sub(lambda m, v=variable: _regroup(m, v), text)
        text = variable.sub(term, text)
    return text


_GROUP_BY = re.compile(r"(?is)\bGROUP\s+BY\b(.*?)(?=\bORDER\b|\bHAVING\b|\bLIMIT\b|\bOFFSET\b|\}|$)")


def _regroup(match: re.Match[str], variable: re.Pattern[str]) -> str:
    """GROUP BY without the parameter (a constant groups nothing); dropped when nothing is left."""
    keys = variable.sub("", match.group(1))
    return f"GROUP BY{keys}" if keys.strip() else " "


def raw_rows(store: Store, text: str) -> int:
    result = store.query(text, prefixes=dict(PREFIXES), use_default_graph_as_union=True)
    return sum(1 for _ in result) if not isinstance(result, pyoxigraph.QueryBoolean) else 1


# -- the steps -----------------------------------------------------------------------------------------------
class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="scholarkg-bench-"))
        self.work.mkdir(parents=True, exist_ok=True)
        self.pages = self.work / f"pages-{args.papers}-{args.seed}"
        self.report: dict[str, Any] = {
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items() if k != "workdir"},
        }
        self.iris = Iris(DEFAULT_BASE)

    def corpus(self) -> None:
        summary_path = self.pages / "corpus.json"
        if not summary_path.exists():
            log(f"generating {self.args.papers} papers (seed {self.args.seed}) in {self.pages}")
            generate(self.pages, self.args.papers, self.args.seed)
        self.summary = json.loads(summary_path.read_text(encoding="utf-8"))
        self.report["corpus"] = {k: v for k, v in self.summary.items() if k != "search_terms"}
        who = self.summary["authors_for_queries"]
        self.people = {role: self.iris.person(who[role]["name"], who[role]["homonym"]).value for role in ROLES}
        self.titles = {role: who[role]["title"] for role in ROLES}

    def load(self) -> None:
        env_base = {"SCHOLARKG_LOAD_SEEDS": "false"}
        a_runs: list[dict[str, Any]] = []
        b_runs: list[dict[str, Any]] = []
        quads_file = self.work / "quads.nq"
        for n in range(self.args.load_repeat):
            store = self.work / f"store-{n}"
            shutil.rmtree(store, ignore_errors=True)
            log(f"load {n + 1}/{self.args.load_repeat}: scholarkg load")
            a_runs.append(
                child(
                    "exec",
                    "--",
                    PY,
                    "-m",
                    "scholarkg.cli",
                    "load",
                    str(self.pages),
                    "--as-of",
                    AS_OF.isoformat(),
                    env={**env_base, "SCHOLARKG_STORE": str(store)},
                )
            )
            if n == 0:
                raw = Store.read_only(str(store))
                with quads_file.open("wb") as handle:
                    raw.dump(handle, RdfFormat.N_QUADS)
                self.quads = len(raw)
                del raw
            else:
                shutil.rmtree(self.work / f"store-{n - 1}", ignore_errors=True)
            self.store_path = store
            raw_store = self.work / f"raw-{n}"
            shutil.rmtree(raw_store, ignore_errors=True)
            log(f"load {n + 1}/{self.args.load_repeat}: Store.bulk_load of the same {self.quads} quads")
            b_runs.append(child("bulk-load", str(raw_store), str(quads_file)))
            self.raw_path = raw_store
            if n:
                shutil.rmtree(self.work / f"raw-{n - 1}", ignore_errors=True)
        a = median([r["seconds"] for r in a_runs])
        b = median([r["seconds"] for r in b_runs])
        self.report["load"] = {
            "quads": self.quads,
            "runs": len(a_runs),
            "scholarkg_s": a,
            "bulk_load_s": b,
            "ratio": ratio(a, b),
            "scholarkg_quads_per_s": round(self.quads / a) if a else None,
            "bulk_load_quads_per_s": round(self.quads / b) if b else None,
            "scholarkg_peak_rss_mb": max(r["peak_rss_mb"] for r in a_runs),
            "bulk_load_peak_rss_mb": max(r["peak_rss_mb"] for r in b_runs),
            "throughput_vs_bulk_load": ratio(b, a),
            # CPU seconds (user + system, the whole child process) are steadier than wall time on a shared machine.
            "scholarkg_cpu_s": median([r["cpu_s"] for r in a_runs if "cpu_s" in r]),
            "bulk_load_cpu_s": median([r["cpu_s"] for r in b_runs if "cpu_s" in r]),
        }
        self.report["load"]["cpu_ratio"] = ratio(
            self.report["load"]["scholarkg_cpu_s"], self.report["load"]["bulk_load_cpu_s"]
        )

    def params_for(self, stored: StoredQuery, role: str) -> dict[str, str] | None:
        values: dict[str, str] = {}
        other = "p99" if role == "most_prolific" else "most_prolific"
        persons = [role, other]
        for parameter in stored.parameters:
            if parameter.type == "person":
                values[parameter.name] = self.people[persons.pop(0)] if persons else self.people[role]
            elif parameter.type == "paper":
                values[parameter.name] = self.iris.paper(self.titles[role]).value
            elif parameter.type in ("iri",):
                values[parameter.name] = self.people[role]
            elif parameter.type == "category":
                values[parameter.name] = self.iris.category("cs.LG").value
            elif parameter.type == "organization":
                values[parameter.name] = self.iris.organization("mit").value
            elif parameter.default is not None:
                continue
            else:
                return None
        return values

    def queries(self) -> None:
        settings = Settings(store=self.store_path, query_timeout=self.args.query_timeout, max_rows=100_000)
        engine = Engine(settings, GraphStore.open(self.store_path), workers=2)
        raw = RawQueries(str(self.raw_path), self.args.query_timeout)
        rows: list[dict[str, Any]] = []
        try:
            for name, stored in sorted(load_catalog().items()):
                person_query = any(p.type == "person" for p in stored.parameters)
                for role in ROLES if person_query else ROLES[:1]:
                    if "SERVICE" in stored.text:
                        rows.append({"query": name, "author": role, "skipped": "federated: needs a remote endpoint"})
                        continue
                    values = self.params_for(stored, role)
                    if values is None:
                        rows.append({"query": name, "author": role, "skipped": "a parameter without a value"})
                        continue
                    graphs = {name: f"{DEFAULT_BASE}id/graph/{key}" for name, key in stored.graphs}
                    raw_text = written_in(stored.text, {**values, **graphs})
                    counts: dict[str, int] = {}

                    def ours(
                        stored: StoredQuery = stored, values: dict[str, str] = values, counts: dict[str, int] = counts
                    ) -> float:
                        started = time.perf_counter()
                        result = engine.run_stored(stored, values)
                        counts["scholarkg_rows"] = result.rows
                        return time.perf_counter() - started

                    def theirs(text: str = raw_text, counts: dict[str, int] = counts) -> float | None:
                        seconds, counts["raw_rows"] = raw.run(text)
                        if seconds is None:
                            counts["raw_timeouts"] = counts.get("raw_timeouts", 0) + 1
                        return seconds

                    ours_s, raw_s, failure = interleaved(ours, theirs, self.args.repeat, self.args.cell_budget)
                    a, b = median(ours_s), median(raw_s)
                    row = {
                        "query": name,
                        "author": role if person_query else "-",
                        "scholarkg_ms": round(a * 1e3, 2) if a is not None else None,
                        "raw_ms": round(b * 1e3, 2) if b is not None else None,
                        "ratio": ratio(a, b),
                        "runs": len(ours_s),
                        **counts,
                    }
                    if failure:
                        row["scholarkg_failure"] = failure
                    rows.append(row)
                    log(f"query {name} [{row['author']}]: {row['scholarkg_ms']} ms vs raw {row['raw_ms']} ms")
        finally:
            engine.close()
            raw.close()
        self.report["queries"] = rows

    # -- server -------------------------------------------------------------------------------------------
    def start_server(self) -> tuple[subprocess.Popen[bytes], str]:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCHOLARKG_")}
        env.update(
            {
                "SCHOLARKG_STORE": str(self.store_path),
                "SCHOLARKG_LOAD_SEEDS": "false",
                "SCHOLARKG_QUERY_TIMEOUT": str(self.args.query_timeout),
            }
        )
        log_file = (self.work / "server.log").open("wb")
        process = subprocess.Popen(
            [PY, "-m", "scholarkg.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {(self.work / 'server.log').read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    return process, url
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        process.kill()
        raise RuntimeError("server did not start in 120 s")

    def stop_server(self, process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def served(self, search: bool = True) -> None:
        raw = Store.read_only(str(self.raw_path))
        process, url = self.start_server()
        try:
            if search:
                self.search(url, raw)
            self.throughput(url, raw)
        finally:
            self.stop_server(process)

    def search(self, url: str, raw: Store) -> None:
        rows: list[dict[str, Any]] = []
        terms = self.summary["search_terms"]
        with httpx.Client(base_url=url, timeout=120) as client:
            for path, kind in (("/papers", "schema:ScholarlyArticle"), ("/authors", "schema:Person")):
                for term in terms:
                    text = (
                        f"SELECT ?x ?name WHERE {{ ?x a {kind} ; schema:name ?name "
                        f"FILTER(CONTAINS(LCASE(?name), {json.dumps(term.lower())})) }} LIMIT 20"
                    )
                    status: dict[str, int] = {}

                    def ours(path: str = path, term: str = term, status: dict[str, int] = status) -> float:
                        started = time.perf_counter()
                        response = client.get(path, params={"q": term})
                        status["code"] = response.status_code
                        return time.perf_counter() - started

                    def theirs(text: str = text) -> float:
                        return timed(lambda: raw_rows(raw, text))

                    a_s, b_s, _ = interleaved(ours, theirs, self.args.repeat, self.args.cell_budget)
                    a, b = median(a_s), median(b_s)
                    rows.append(
                        {
                            "path": f"{path}?q={term}",
                            "status": status.get("code"),
                            "scholarkg_ms": round(a * 1e3, 2) if a else None,
                            "raw_contains_ms": round(b * 1e3, 2) if b else None,
                            "ratio": ratio(a, b),
                        }
                    )
        self.report["search"] = rows

    def loadgen(self, url: str, query: str, clients: int, runaway: str | None = None) -> dict[str, Any]:
        command = [PY, "-m", "bench.loadgen", "--url", url, "--query", query, "--clients", str(clients)]
        command += ["--seconds", str(self.args.seconds)]
        if runaway:
            command += ["--runaway", runaway]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, check=True, timeout=self.args.seconds + 300)
        return json.loads(done.stdout.decode().strip().splitlines()[-1])  # type: ignore[no-any-return]

    def throughput(self, url: str, raw: Store) -> None:
        # LIMIT 1: one row whether or not the default graph repeats the name once per page stating it
        lookup = f"SELECT ?name WHERE {{ {NamedNode(self.people['most_prolific'])} schema:name ?name }} LIMIT 1"
        calls = 0
        started = time.perf_counter()
        while time.perf_counter() - started < 2.0:
            raw_rows(raw, lookup)
            calls += 1
        raw_rate = calls / (time.perf_counter() - started)
        self.loadgen(url, lookup, 2)  # warm-up
        runs: list[dict[str, Any]] = []
        for clients in (1, 8, 32):
            log(f"/sparql lookup, {clients} clients, {self.args.seconds} s")
            result = self.loadgen(url, lookup, clients)
            result["ratio_vs_raw_calls"] = ratio(result["throughput"], raw_rate)
            runs.append(result)
        log(f"/sparql lookup, 8 clients + 1 runaway client, {self.args.seconds} s")
        # First make the runaway known to the service (as a client repeating it would), then measure.
        with httpx.Client(base_url=url, timeout=self.args.query_timeout + 60) as client:
            client.get("/sparql", params={"query": RUNAWAY})
        with_runaway = self.loadgen(url, lookup, 8, runaway=RUNAWAY)
        self.report["sparql"] = {
            "query": lookup,
            "raw_calls_per_s_one_thread": round(raw_rate),
            "runs": runs,
            "with_runaway": with_runaway,
            "health": httpx.get(f"{url}/healthz", timeout=30).json(),
        }

    def export(self) -> None:
        env = {"SCHOLARKG_STORE": str(self.store_path), "SCHOLARKG_LOAD_SEEDS": "false"}
        nt = self.work / "export.nt"
        log("export: scholarkg export (N-Triples, untimed) to build the raw store of the same triples")
        child("exec", "--", PY, "-m", "scholarkg.cli", "export", "--format", "ntriples", "-o", str(nt), env=env)
        triples_store = self.work / "raw-triples"
        shutil.rmtree(triples_store, ignore_errors=True)
        child("bulk-load", str(triples_store), str(nt))
        triples = len(Store.read_only(str(triples_store)))
        rows: list[dict[str, Any]] = []
        process, url = self.start_server()
        try:
            for fmt, ext in (("turtle", "ttl"), ("ntriples", "nt")):
                out_a = self.work / f"a.{ext}"
                out_b = self.work / f"b.{ext}"
                a_runs: list[dict[str, Any]] = []
                b_runs: list[dict[str, Any]] = []
                h_runs: list[dict[str, Any]] = []
                for _ in range(self.args.export_repeat):
                    log(f"export {fmt}: scholarkg export vs GET /export vs Store.dump")
                    command = [PY, "-m", "scholarkg.cli", "export", "--format", fmt, "-o", str(out_a)]
                    a_runs.append(child("exec", "--", *command, env=env))
                    a_runs[-1]["bytes"] = out_a.stat().st_size
                    h_runs.append(http_export(url, fmt, process.pid))
                    # the same prefixes as ScholarKG's Turtle: the same bytes, so MB/s compare like for like
                    b_runs.append(child("dump", str(triples_store), ext, str(out_b), "prefixes"))
                log(f"export {fmt}: rdflib (first {self.args.rdflib_triples} triples)")
                c = child("rdflib", str(nt), ext, str(self.work / f"c.{ext}"), str(self.args.rdflib_triples))
                a = median([r["seconds"] for r in a_runs])
                b = median([r["seconds"] for r in b_runs])
                h = median([r["seconds"] for r in h_runs])
                mb_a = a_runs[0]["bytes"] / 1e6
                mb_b = b_runs[0]["bytes"] / 1e6
                mb_h = h_runs[0]["bytes"] / 1e6
                mb_s_c = c["bytes"] / 1e6 / c["seconds"] if c["seconds"] else None
                cpu_a = median([r["cpu_s"] for r in a_runs])
                cpu_b = median([r["cpu_s"] for r in b_runs])
                cpu_h = median([r["cpu_s"] for r in h_runs])
                rows.append(
                    {
                        "format": fmt,
                        "triples": triples,
                        "runs": len(a_runs),
                        "scholarkg_mb_s": round(mb_a / a, 1) if a else None,
                        "http_mb_s": round(mb_h / h, 1) if h else None,
                        "dump_mb_s": round(mb_b / b, 1) if b else None,
                        "rdflib_mb_s": round(mb_s_c, 1) if mb_s_c else None,
                        "speed_vs_dump": ratio(mb_a / a if a else None, mb_b / b if b else None),
                        "http_speed_vs_dump": ratio(mb_h / h if h else None, mb_b / b if b else None),
                        "speed_vs_rdflib": ratio(mb_a / a if a else None, mb_s_c),
                        "http_speed_vs_rdflib": ratio(mb_h / h if h else None, mb_s_c),
                        # CPU seconds per run (CLI: the whole process, start-up included; HTTP: the server
                        # process while it streams; dump: the child, opening the store included)
                        "scholarkg_cpu_s": cpu_a,
                        "http_server_cpu_s": cpu_h,
                        "dump_cpu_s": cpu_b,
                        "cpu_ratio_vs_dump": ratio(cpu_a, cpu_b),
                        "http_cpu_ratio_vs_dump": ratio(cpu_h, cpu_b),
                        "scholarkg_mb": round(mb_a, 1),
                        "dump_mb": round(mb_b, 1),
                        "http_mb": round(mb_h, 1),
                        "scholarkg_peak_rss_mb": max(r["peak_rss_mb"] for r in a_runs),
                        "http_server_rss_growth_mb": max(r["rss_growth_mb"] for r in h_runs),
                        "dump_peak_rss_mb": max(r["peak_rss_mb"] for r in b_runs),
                        "rdflib_peak_rss_mb": c["peak_rss_mb"],
                        "rdflib_triples": self.args.rdflib_triples,
                    }
                )
        finally:
            self.stop_server(process)
        self.report["export"] = rows

    def run(self) -> dict[str, Any]:
        steps = [s.strip() for s in self.args.steps.split(",")]
        self.corpus()
        if "load" in steps or not (self.work / "store-0").exists():
            self.load()
        else:
            self.store_path, self.raw_path = self.work / "store-0", self.work / "raw-0"
            self.quads = len(Store.read_only(str(self.store_path)))
        for step in ("queries", "served", "export"):
            if step in steps:
                getattr(self, step)()
        if "throughput" in steps and "served" not in steps:  # `/sparql` throughput alone (no search)
            self.served(search=False)
        self.report["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.report["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        return self.report


# -- Markdown --------------------------------------------------------------------------------------------
def _fmt(value: object, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        text = f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    else:
        text = f"{value:,}" if isinstance(value, int) else str(value)
    return f"{text}{unit}"


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    c = report.get("corpus", {})
    lines = [
        f"Run {report['started']} → {report.get('finished', '?')} on {m['cpus']} × {m['cpu']}, "
        f"{m['memory_gib']} GiB, Python {m['python']}, pyoxigraph {m['pyoxigraph']}. "
        f"Load average {m['load_average']} at the start, {m.get('load_average_end')} at the end "
        "(the machine is shared: read the ratios, not the absolute numbers).",
        "",
        f"Corpus: {_fmt(c.get('papers'))} papers, {_fmt(c.get('authors'))} authors, pages {c.get('pages')}, "
        f"{_fmt(round(c.get('bytes', 0) / 1e6, 1))} MB, each paper on {c.get('appearances_per_paper')} pages "
        f"on average (`python -m bench.generate --papers {c.get('papers')} --seed {report['settings']['seed']}`).",
        "",
    ]
    if "load" in report:
        load = report["load"]
        lines += [
            "| load | ScholarKG (`scholarkg load`) | raw `Store.bulk_load`, same quads | ratio |",
            "|---|---|---|---|",
            f"| {_fmt(load['quads'])} quads, {load['runs']} run(s) | {_fmt(load['scholarkg_s'], ' s')} "
            f"({_fmt(load['scholarkg_quads_per_s'])} quads/s, peak RSS {_fmt(load['scholarkg_peak_rss_mb'])} MB) "
            f"| {_fmt(load['bulk_load_s'], ' s')} (peak RSS {_fmt(load['bulk_load_peak_rss_mb'])} MB) "
            f"| {_fmt(load['ratio'], '×')} (throughput {_fmt(load['throughput_vs_bulk_load'])}× of bulk_load; "
            f"CPU {_fmt(load.get('scholarkg_cpu_s'), ' s')} vs {_fmt(load.get('bulk_load_cpu_s'), ' s')}: "
            f"{_fmt(load.get('cpu_ratio'), '×')}) |",
            "",
        ]
    if "queries" in report:
        lines += [
            "| canned query | author | ScholarKG (engine) | raw, IRIs written in | ratio | rows (ours/raw) |",
            "|---|---|---|---|---|---|",
        ]
        for row in report["queries"]:
            if "skipped" in row:
                lines.append(f"| {row['query']} | {row['author']} | skipped: {row['skipped']} | | | |")
                continue
            ours = _fmt(row["scholarkg_ms"], " ms")
            theirs = (
                _fmt(row["raw_ms"], " ms") if row["raw_ms"] is not None or not row.get("raw_timeouts") else "time-out"
            )
            if row.get("scholarkg_failure"):
                ours = f"**{row['scholarkg_failure'].split(':')[0]}**" + (f" ({ours})" if row["scholarkg_ms"] else "")
            lines.append(
                f"| {row['query']} | {row['author']} | {ours} | {theirs} | "
                f"{_fmt(row['ratio'], '×')} | {row.get('scholarkg_rows', '—')}/{row.get('raw_rows', '—')} |"
            )
        lines.append("")
    if "search" in report:
        lines += ["| search | ScholarKG (HTTP) | raw CONTAINS scan | ratio |", "|---|---|---|---|"]
        for row in report["search"]:
            lines.append(
                f"| `{row['path']}` ({row['status']}) | {_fmt(row['scholarkg_ms'], ' ms')} | "
                f"{_fmt(row['raw_contains_ms'], ' ms')} | {_fmt(row['ratio'], '×')} |"
            )
        lines.append("")
    if "sparql" in report:
        s = report["sparql"]
        lines += [
            f"`/sparql` 1-row lookup (`{s['query']}`); raw `Store.query` in one thread: "
            f"{_fmt(s['raw_calls_per_s_one_thread'])} calls/s.",
            "",
            "| clients | req/s | vs raw calls/s | p50 | p99 | errors |",
            "|---|---|---|---|---|---|",
        ]
        for run in s["runs"]:
            lines.append(
                f"| {run['clients']} | {_fmt(run['throughput'])} | {_fmt(run['ratio_vs_raw_calls'], '×')} | "
                f"{_fmt(run['p50_ms'], ' ms')} | {_fmt(run['p99_ms'], ' ms')} | {run['errors']} |"
            )
        w = s["with_runaway"]
        r = w["runaway"]
        lines += [
            f"| 8 + 1 runaway | {_fmt(w['throughput'])} | | {_fmt(w['p50_ms'], ' ms')} | "
            f"{_fmt(w['p99_ms'], ' ms')} | {w['errors']} (runaway client: {r['requests']} sent, "
            f"statuses {r['statuses']}) |",
            "",
        ]
    if "export" in report:
        lines += [
            "| export | ScholarKG CLI | `GET /export` | `Store.dump` | rdflib | CLI vs dump | HTTP vs dump | "
            "CLI / HTTP vs rdflib | CPU s: CLI / HTTP server / dump | peak RSS: CLI / dump / rdflib; "
            "server RSS growth |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for row in report["export"]:
            lines.append(
                f"| {row['format']} ({_fmt(row['scholarkg_mb'])} MB, {_fmt(row.get('triples'))} triples) | "
                f"{_fmt(row['scholarkg_mb_s'], ' MB/s')} | {_fmt(row.get('http_mb_s'), ' MB/s')} | "
                f"{_fmt(row['dump_mb_s'], ' MB/s')} ({_fmt(row.get('dump_mb'))} MB) | "
                f"{_fmt(row['rdflib_mb_s'], ' MB/s')} (first {_fmt(row['rdflib_triples'])} triples) | "
                f"{_fmt(row['speed_vs_dump'], '×')} | {_fmt(row.get('http_speed_vs_dump'), '×')} | "
                f"{_fmt(row['speed_vs_rdflib'], '×')} / {_fmt(row.get('http_speed_vs_rdflib'), '×')} | "
                f"{_fmt(row.get('scholarkg_cpu_s'))} / {_fmt(row.get('http_server_cpu_s'))} / "
                f"{_fmt(row.get('dump_cpu_s'))} | {_fmt(row['scholarkg_peak_rss_mb'])} / "
                f"{_fmt(row['dump_peak_rss_mb'])} / {_fmt(row['rdflib_peak_rss_mb'])} MB; "
                f"+{_fmt(row.get('http_server_rss_growth_mb'))} MB |"
            )
        lines.append("")
    return "\n".join(lines)


def update_readme(report_md: str) -> None:
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    start, end = "<!-- latest report: start -->", "<!-- latest report: end -->"
    block = f"{start}\n{report_md}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n## Latest report\n\n" + block + "\n"
    readme.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="A/B pairs per figure (fewer past --cell-budget)")
    parser.add_argument("--cell-budget", type=float, default=8.0, help="seconds one figure may take")
    parser.add_argument("--load-repeat", type=int, default=1, help="loads of the whole corpus (each side)")
    parser.add_argument("--export-repeat", type=int, default=3)
    parser.add_argument("--rdflib-triples", type=int, default=200_000, help="rdflib serialises this many")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each /sparql load run")
    parser.add_argument("--query-timeout", type=float, default=10.0)
    parser.add_argument("--steps", default="load,queries,served,export")
    parser.add_argument("--workdir", help="keep corpus and stores here (default: a temporary folder, removed)")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--readme", action="store_true", help="put the Markdown report into bench/README.md")
    args = parser.parse_args(argv)
    bench = Bench(args)
    try:
        report = bench.run()
    finally:
        if not args.workdir:
            shutil.rmtree(bench.work, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    report_md = markdown(report)
    (args.out / "latest.md").write_text(report_md + "\n", encoding="utf-8")
    if args.readme:
        update_readme(report_md)
    print(report_md)


if __name__ == "__main__":
    main()

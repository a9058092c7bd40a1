"""`scholarkg`: load pages, query, export, inspect and serve the knowledge graph."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, TextColumn
from rich.table import Table

from scholarkg.loader.backend import StoreBackend, open_backend
from scholarkg.loader.batch_load import LoadCounters
from scholarkg.loader.errors import LoaderError
from scholarkg.loader.identity import Iris
from scholarkg.loader.load import expand_paths, load_files, remove_source
from scholarkg.loader.records import PAGE_FORMATS, PageFormat
from scholarkg.loader.settings import Settings
from scholarkg.loader.store import GraphStore, StoreInUseError

app = typer.Typer(help="ScholarKG: scholarly pages → RDF knowledge graph in Oxigraph.", no_args_is_help=True)
out = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 200)

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Store directory, or a SPARQL engine as sparql+http://host:port/path (default: $SCHOLARKG_STORE)",
    ),
]
EXPORT_FORMATS = ("turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml")  # = queries.results.GRAPH_FORMATS
SOLUTION_QUERY_FORMATS = ("json", "xml", "csv", "tsv")
GRAPH_QUERY_FORMATS = EXPORT_FORMATS
QUERY_FORMATS = SOLUTION_QUERY_FORMATS + GRAPH_QUERY_FORMATS
_REMOTE: dict[str, str] = {}  # remote-store options given on the command line (they override SCHOLARKG_REMOTE_*)


@app.callback()
def remote_options(
    remote_update_url: Annotated[
        str | None, typer.Option(help="Remote store: SPARQL Update URL ($SCHOLARKG_REMOTE_UPDATE_URL)")
    ] = None,
    remote_store_url: Annotated[
        str | None, typer.Option(help="Remote store: Graph Store URL ($SCHOLARKG_REMOTE_STORE_URL)")
    ] = None,
    remote_auth: Annotated[
        str | None, typer.Option(help="Remote store: none|bearer|basic|digest ($SCHOLARKG_REMOTE_AUTH)")
    ] = None,
    remote_user: Annotated[str | None, typer.Option(help="Remote store: user ($SCHOLARKG_REMOTE_USER)")] = None,
    remote_password: Annotated[
        str | None, typer.Option(help="Remote store: password ($SCHOLARKG_REMOTE_PASSWORD)")
    ] = None,
    remote_token: Annotated[
        str | None, typer.Option(help="Remote store: bearer token ($SCHOLARKG_REMOTE_TOKEN)")
    ] = None,
) -> None:
    """ScholarKG: scholarly pages → RDF knowledge graph, in Oxigraph or any SPARQL 1.1 engine."""
    given = {
        "remote_update_url": remote_update_url,
        "remote_store_url": remote_store_url,
        "remote_auth": remote_auth,
        "remote_user": remote_user,
        "remote_password": remote_password,
        "remote_token": remote_token,
    }
    _REMOTE.clear()
    _REMOTE.update({k: v for k, v in given.items() if v is not None})


def _settings(store: str | None) -> Settings:
    from pydantic import ValidationError

    fields: dict[str, object] = dict(_REMOTE)
    if store is not None:
        fields["store"] = store
    try:
        return Settings(**fields)  # type: ignore[arg-type]
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        raise _fail(f"{where}: {problem['msg']}", code=2) from None


def _open(settings: Settings) -> StoreBackend:
    try:
        return open_backend(settings)
    except LoaderError as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from None


def _open_for_reading(settings: Settings) -> tuple[StoreBackend, bool]:
    """The store for a reading command, and whether it is opened read-only.

    Read-write when nobody holds it (as before); beside a running `scholarkg serve` (which holds the RocksDB
    lock) read-only, which RocksDB allows next to a writer: the command sees the data as of its start.
    A remote engine is shared by design and opens as usual.
    """
    if settings.remote:
        return _open(settings), False
    try:
        return GraphStore.open(settings.store_path), False
    except StoreInUseError:
        try:
            return GraphStore.open(settings.store_path, read_only=True), True
        except OSError as error:
            raise _fail(f"store {settings.store_path} is in use and cannot be opened read-only: {error}", 2) from None
    except LoaderError as error:
        raise _fail(str(error), 2) from None


def _reader(settings: Settings) -> StoreBackend:
    return _open_for_reading(settings)[0]


def _fail(message: str, code: int = 1) -> typer.Exit:
    # escape(): a file name like `notes[draft].txt` is text, not Rich markup (it would print as `notes.txt`).
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    return typer.Exit(code)


def _as_of(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {value!r}", param_hint="--as-of") from None


@app.command()
def load(
    paths: Annotated[list[Path], typer.Argument(help="Page files or folders of *.txt pages")],
    store: StoreOption = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Retrieval date YYYY-MM-DD (yearless dates resolve against it)")
    ] = None,
    page_format: Annotated[
        str | None, typer.Option("--format", help=f"Force a page format: {', '.join(PAGE_FORMATS)}")
    ] = None,
    server: Annotated[
        str | None, typer.Option("--server", help="Load through a running `scholarkg serve` at this URL")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="SCHOLARKG_UPDATE_TOKEN",
            show_envvar=True,
            help="Update token for --server (default: $SCHOLARKG_UPDATE_TOKEN; no need to pass it)",
        ),
    ] = None,
    to_shards: Annotated[
        Path | None, typer.Option("--to-shards", help="Write gzip N-Quads shards into this folder (no store)")
    ] = None,
    shard_quads: Annotated[int, typer.Option("--shard-quads", min=1, help="Quads per shard (--to-shards)")] = 1_000_000,
    jobs: Annotated[
        int | None, typer.Option("--jobs", min=1, help="Worker processes parsing pages (default: all cores)")
    ] = None,
    engine: Annotated[
        str | None, typer.Option("--for", help="With --to-shards: also write this engine's load script")
    ] = None,
) -> None:
    """Load pages; each page replaces its own named graph atomically. A failing page changes nothing."""
    retrieved = _as_of(as_of)
    if page_format is not None and page_format not in PAGE_FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(PAGE_FORMATS)}", param_hint="--format")
    settings = _settings(store)
    try:
        files = expand_paths(paths)
    except LoaderError as error:
        raise _fail(str(error)) from None
    if not files:
        raise _fail("no page files found (folders contribute their *.txt files)")
    if to_shards is not None:
        _check_engine(engine)
        _load_to_shards(files, to_shards, settings, retrieved, page_format, shard_quads, jobs or _cores(), engine)
        return
    if server is not None:
        _load_via_server(server, _server_token(token), files, retrieved, page_format)
        return
    graph_store = _open(settings)
    table = Table("source", "format", "entries", "quads", "graph")
    failures = 0
    chosen: PageFormat | None = page_format  # type: ignore[assignment]
    started = time.monotonic()

    def line(counters: LoadCounters) -> str:
        seconds = max(time.monotonic() - started, 1e-9)
        return (
            f"{counters.pages + counters.failed:,}/{len(files):,} pages, {counters.quads:,} quads, "
            f"{counters.quads / seconds:,.0f} quads/s ({counters.pages / seconds:,.1f} pages/s)"
        )

    def on_batch(counters: LoadCounters) -> None:
        if err.is_terminal:
            progress.update(task, rate=line(counters))
        else:  # a log, not a terminal: one line per batch
            err.print(f"loaded {line(counters)}", highlight=False)

    columns = (*Progress.get_default_columns(), TextColumn("{task.fields[rate]}"))
    counters = LoadCounters()
    # Not a terminal: no progress bar (its refresh thread costs the writer ~5% of a load), a line per batch.
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("loading", total=len(files), rate="")
        for result in load_files(
            graph_store,
            files,
            as_of=retrieved,
            iris=Iris(settings.base_iri),
            page_format=chosen,
            jobs=jobs,
            on_batch=on_batch,
        ):
            progress.advance(task)
            if result.error is not None:
                failures += 1
                err.print(f"[red]error:[/red] {escape(str(result.error))}", highlight=False)
            else:
                counters.pages += 1
                counters.quads += result.quads
                table.add_row(
                    escape(result.label), result.page_format, str(result.entries), str(result.quads), result.graph
                )
    counters.failed = failures
    err.print(f"loaded {line(counters)} in {time.monotonic() - started:,.1f} s", highlight=False)
    if table.row_count:
        out.print(table)
    if failures:
        raise _fail(f"{failures} of {len(files)} page(s) failed; the store is unchanged for them")


def _cores() -> int:
    return os.cpu_count() or 1


def _server_token(token: str | None) -> str:
    """The update token for `load --server`, with a clear error when it is missing or looks swallowed.

    `--token $SCHOLARKG_UPDATE_TOKEN` with the variable unset makes the shell drop the value, so `--token`
    takes the next argument (a page path) as the token. The token comes from the environment by default.
    """
    if token is None or not token.strip():
        raise _fail("no update token: set SCHOLARKG_UPDATE_TOKEN (read by default) or pass --token TOKEN")
    if Path(token).exists():
        raise _fail(
            f"--token got {token!r}, which is a path, not a token (was $SCHOLARKG_UPDATE_TOKEN unset?); "
            "drop --token: the token is read from SCHOLARKG_UPDATE_TOKEN"
        )
    return token


def _load_to_shards(
    files: list[Path],
    directory: Path,
    settings: Settings,
    as_of: dt.date,
    page_format: str | None,
    per_shard: int,
    jobs: int,
    engine: str | None,
) -> None:
    from scholarkg.loader.to_shards import load_to_shards

    try:
        manifest, results, view = load_to_shards(
            files,
            directory,
            as_of=as_of,
            iris=Iris(settings.base_iri),
            page_format=page_format,  # type: ignore[arg-type]
            per_shard=per_shard,
            jobs=jobs,
            view=engine == "oxigraph",  # Oxigraph server keeps the view in its default graph: shards of it too
        )
    except LoaderError as error:
        raise _fail(str(error)) from None
    failures = [r for r in results if r.error is not None]
    for result in failures:
        err.print(f"[red]error:[/red] {escape(str(result.error))}", highlight=False)
    _report_shards(directory, manifest, engine, view)
    if failures:
        raise _fail(f"{len(failures)} of {len(files)} page(s) failed; they are not in the shards")


def _load_via_server(server: str, token: str, files: list[Path], as_of: dt.date, fmt: str | None) -> None:
    import httpx

    table = Table("source", "format", "entries", "quads", "graph")
    failures = 0
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.rstrip("/"), timeout=120, headers=headers) as client:
        for path in files:
            params = {"name": path.name, "as_of": as_of.isoformat()} | ({"format": fmt} if fmt else {})
            try:
                response = client.post("/sources", params=params, content=path.read_bytes())
            except httpx.HTTPError as error:
                raise _fail(f"cannot reach {server}: {error}") from None
            if response.status_code == 201:
                body = response.json()
                table.add_row(
                    escape(str(path)), body["page_format"], str(body["entries"]), str(body["quads"]), body["graph"]
                )
            else:
                failures += 1
                message = response.json().get("error", {}).get("message", response.text)
                err.print(f"[red]error:[/red] {escape(f'{path}: {message}')}", highlight=False)
    if table.row_count:
        out.print(table)
    if failures:
        raise _fail(f"{failures} of {len(files)} page(s) failed; the store is unchanged for them")


@app.command()
def sources(store: StoreOption = None) -> None:
    """List the source pages in the store."""
    graph_store = _reader(_settings(store))
    table = Table("file", "format", "entries", "triples", "retrieved", "sha256", "graph")
    for info in graph_store.sources():
        table.add_row(
            escape(info.file_name),
            info.page_format,
            str(info.entries),
            str(info.triples),
            info.retrieved_on,
            info.sha256[:12],
            info.graph,
        )
    out.print(table)


@app.command()
def remove(
    source: Annotated[str, typer.Argument(help="File name, stem or graph IRI of a source")],
    store: StoreOption = None,
) -> None:
    """Remove one source page's graph (and nothing else)."""
    graph_store = _open(_settings(store))
    try:
        info = graph_store.find_source(source)
    except LoaderError as error:
        raise _fail(str(error)) from None
    from pyoxigraph import NamedNode

    remove_source(graph_store, NamedNode(info.graph), Iris(_settings(store).base_iri))
    graph_store.flush()
    out.print(escape(f"removed {info.file_name} ({info.triples} triples, graph {info.graph})"))


@app.command()
def stats(store: StoreOption = None) -> None:
    """Counts of sources, papers, persons and more."""
    graph_store = _reader(_settings(store))
    table = Table("what", "count")
    for name, value in graph_store.stats().items():
        table.add_row(name, str(value))
    out.print(table)


@app.command()
def validate(store: StoreOption = None) -> None:
    """Validate the stored data against the SHACL shapes in ontology/shapes.ttl."""
    from scholarkg.loader.validate import validate_store

    report = validate_store(_reader(_settings(store)))
    if report.conforms:
        out.print("conforms: the data satisfies every SHACL shape")
        return
    out.print(escape(report.text), highlight=False)
    raise _fail(f"{report.violations} SHACL violation(s)")


@app.command()
def export(
    store: StoreOption = None,
    rdf_format: Annotated[str, typer.Option("--format", help=f"One of {', '.join(EXPORT_FORMATS)}")] = "turtle",
    graph: Annotated[
        str | None, typer.Option("--graph", help="Export only this named graph (IRI, or `links` for the links graph)")
    ] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write (default: stdout)")] = None,
    split: Annotated[
        int | None, typer.Option("--split", min=1, help="Write N gzip N-Quads shards + manifest.json into OUT_DIR")
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option("--for", help="With --split: also write the load script of virtuoso|oxigraph|qlever|neptune"),
    ] = None,
    out_dir: Annotated[Path | None, typer.Argument(help="Folder for --split shards")] = None,
) -> None:
    """Stream the dataset. N-Quads/TriG/JSON-LD keep every graph; triple formats get the deduplicated view."""
    from pyoxigraph import NamedNode

    from scholarkg.queries.results import GRAPH_FORMATS

    if rdf_format not in EXPORT_FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(EXPORT_FORMATS)}", param_hint="--format")
    if split is not None or engine is not None or out_dir is not None:
        _export_shards(store, rdf_format, graph, output, split, engine, out_dir)
        return
    settings = _settings(store)
    graph_store = _reader(settings)
    target = NamedNode(_graph_iri(graph, settings.base_iri)) if graph else None
    try:
        if output is None:
            graph_store.export(sys.stdout.buffer, GRAPH_FORMATS[rdf_format], target)
            sys.stdout.buffer.flush()
        elif isinstance(graph_store, GraphStore):
            graph_store.export(output, GRAPH_FORMATS[rdf_format], target)  # pyoxigraph writes the file itself
        else:
            with output.open("wb") as handle:
                graph_store.export(handle, GRAPH_FORMATS[rdf_format], target)
    except LoaderError as error:
        raise _fail(str(error)) from None


def _graph_iri(graph: str, base: str) -> str:
    """`links` names the links graph `{base}id/graph/links`; anything else is an IRI."""
    from scholarkg.linking.model import links_graph

    return links_graph(base).value if graph == "links" else graph


def _check_engine(engine: str | None) -> None:
    from scholarkg.loader.bulk_scripts import BULK_ENGINES

    if engine is not None and engine not in BULK_ENGINES:
        raise typer.BadParameter(f"choose one of {', '.join(BULK_ENGINES)}", param_hint="--for")


def _report_shards(directory: Path, manifest: object, engine: str | None, view: object = None) -> None:
    from scholarkg.loader.bulk_scripts import write_load_script
    from scholarkg.loader.shards import VIEW_DIR, Manifest

    assert isinstance(manifest, Manifest) and (view is None or isinstance(view, Manifest))
    table = Table("shard", "quads", "bytes", "sha256")
    for shard in manifest.shards:
        table.add_row(shard.file, str(shard.quads), str(shard.bytes), shard.sha256[:16])
    for shard in view.shards if view is not None else ():
        table.add_row(f"{VIEW_DIR}/{shard.file}", str(shard.quads), str(shard.bytes), shard.sha256[:16])
    out.print(table)
    out.print(escape(f"{manifest.quads} quads in {len(manifest.shards)} shard(s); manifest: {directory}/manifest.json"))
    if view is not None:
        out.print(
            escape(
                f"view: {view.quads} default-graph triples in {len(view.shards)} shard(s); "
                f"manifest: {directory}/{VIEW_DIR}/manifest.json"
            )
        )
    if engine is not None:
        for path in write_load_script(engine, directory, manifest, view):
            out.print(escape(f"{engine} load script: {path}"))


def _export_shards(
    store: str | None,
    rdf_format: str,
    graph: str | None,
    output: Path | None,
    split: int | None,
    engine: str | None,
    out_dir: Path | None,
) -> None:
    from scholarkg.loader.shards import VIEW_DIR, export_shards, export_view_shards, prepare_directory

    if split is None:
        raise typer.BadParameter("OUT_DIR and --for go with --split N", param_hint="--split")
    if rdf_format != "nquads":
        raise typer.BadParameter("--split writes N-Quads shards: add --format nquads", param_hint="--format")
    if out_dir is None:
        raise typer.BadParameter("--split N needs the OUT_DIR to write the shards into", param_hint="OUT_DIR")
    if graph is not None or output is not None:
        raise typer.BadParameter("--split exports the whole dataset into OUT_DIR", param_hint="--graph/--output")
    _check_engine(engine)
    graph_store = _reader(_settings(store))
    try:
        if engine == "oxigraph":  # its server keeps the view in its default graph: shards of the view too
            prepare_directory(out_dir)
            prepare_directory(out_dir / VIEW_DIR)  # both folders checked before anything is written
        manifest = export_shards(graph_store, out_dir, split)
        view = export_view_shards(graph_store, out_dir, split) if engine == "oxigraph" else None
    except LoaderError as error:
        raise _fail(str(error)) from None
    _report_shards(out_dir, manifest, engine, view)


def _read_query(query_or_file: str) -> str:
    path = Path(query_or_file)
    if len(query_or_file) < 4096 and "\n" not in query_or_file and path.is_file():
        return path.read_text(encoding="utf-8")
    return query_or_file


@app.command()
def query(
    query_or_file: Annotated[str, typer.Argument(help="SPARQL text, or a file holding it")],
    store: StoreOption = None,
    result_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help=f"SELECT/ASK: {', '.join(SOLUTION_QUERY_FORMATS)} (default json: SPARQL JSON results); "
            f"CONSTRUCT/DESCRIBE: {', '.join(GRAPH_QUERY_FORMATS)} (default turtle)",
        ),
    ] = None,
) -> None:
    """Run a SPARQL query (with the configured time limit and row cap) and print the results."""
    if result_format is not None and result_format not in QUERY_FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(QUERY_FORMATS)}", param_hint="--format")
    text = _read_query(query_or_file)
    # An explicit format fits one kind of result only: the other kind is an error listing its formats.
    solution_format: str | None = "json"
    graph_format: str | None = "turtle"
    if result_format in SOLUTION_QUERY_FORMATS:
        solution_format, graph_format = result_format, None
    elif result_format in GRAPH_QUERY_FORMATS:
        solution_format, graph_format = None, result_format
    _run_and_print(
        _settings(store),
        lambda engine: engine.query(engine.request(text, solution_format=solution_format, graph_format=graph_format)),
    )


@app.command()
def run(
    name: Annotated[str, typer.Argument(help="Canned query name (see `scholarkg queries`)")],
    params: Annotated[list[str] | None, typer.Argument(help="Parameters as key=value")] = None,
    store: StoreOption = None,
    result_format: Annotated[str, typer.Option("--format", help="rows (JSON rows), json, xml, csv or tsv")] = "csv",
) -> None:
    """Run a canned query from queries/ with parameters bound as RDF terms."""
    from scholarkg.queries.catalog import load_catalog

    catalog = load_catalog()
    if name not in catalog:
        raise _fail(f"no canned query {name!r}; choose one of: {', '.join(catalog)}")
    raw: dict[str, str] = {}
    for item in params or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"expected key=value, got {item!r}", param_hint="PARAMS")
        raw[key] = value
    _run_and_print(_settings(store), lambda engine: engine.run_stored(catalog[name], raw, result_format))


@app.command(name="queries")
def list_queries() -> None:
    """List the canned queries and their parameters."""
    from scholarkg.queries.catalog import load_catalog

    table = Table("name", "title", "parameters")
    for stored in load_catalog().values():
        params = ", ".join(
            f"{p.name}: {p.type}" + (f" = {p.default}" if p.default is not None else "") for p in stored.parameters
        )
        table.add_row(stored.name, stored.title, params)
    out.print(table)


def _run_and_print(settings: Settings, action: object) -> None:
    from scholarkg.queries.engine import Engine
    from scholarkg.queries.execute import NotAcceptableError, QueryEvaluationError, QuerySyntaxError
    from scholarkg.queries.federation import RemoteServiceError
    from scholarkg.queries.guard import ForbiddenServiceError
    from scholarkg.queries.parameters import ParameterError
    from scholarkg.queries.workers import QueryTimeoutError

    graph_store, read_only = _open_for_reading(settings)
    engine = Engine(settings, graph_store, workers=1, read_only=read_only)
    try:
        result = action(engine)  # type: ignore[operator]
    except (
        QuerySyntaxError,
        ForbiddenServiceError,
        ParameterError,
        QueryTimeoutError,
        QueryEvaluationError,
        RemoteServiceError,
    ) as error:
        raise _fail(str(error)) from None
    except NotAcceptableError as error:
        formats = GRAPH_QUERY_FORMATS if error.kind == "graph" else SOLUTION_QUERY_FORMATS
        raise _fail(f"--format does not fit {error.what}; choose one of {', '.join(formats)}") from None
    finally:
        engine.close()
    sys.stdout.buffer.write(result.body)
    if not result.body.endswith(b"\n"):
        sys.stdout.buffer.write(b"\n")
    sys.stdout.buffer.flush()
    if result.truncated:
        err.print(f"[yellow]warning:[/yellow] result cut at {result.rows} rows (max_rows / max_bytes)")


@app.command()
def serve(
    store: StoreOption = None,
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000)")] = None,
) -> None:
    """Serve the SPARQL endpoint, API and UI; an empty store first gets the bundled seed pages."""
    from scholarkg.api.server import serve as run_server

    settings = _settings(store)
    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    try:
        run_server(settings.model_copy(update=overrides))
    except LoaderError as error:
        raise _fail(str(error), code=2) from None


def _add_link_commands() -> None:
    from scholarkg.link_cli import link_app

    app.add_typer(link_app, name="link")


_add_link_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()

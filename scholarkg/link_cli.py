"""`scholarkg link …`: import mappings, match dumps, propose name variants, review links."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from scholarkg.linking.model import LINK_KINDS, STATUSES, Link
from scholarkg.linking.store import MergeReport

link_app = typer.Typer(help="Link ScholarKG with dblp, ORCID, OpenAlex, Wikidata, ROR: import, match, review.")

StoreOption = Annotated[
    Path | None, typer.Option("--store", help="Store directory (default: $SCHOLARKG_STORE or the user data dir)")
]


def _cli():  # type: ignore[no-untyped-def]
    from scholarkg import cli  # the main CLI module owns settings, store opening and the consoles

    return cli


def _report(what: str, report: MergeReport) -> None:
    cli = _cli()
    cli.out.print(
        f"{what}: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.kept_decided} kept as decided, {report.skipped_rejected} skipped (rejected before)"
    )


@link_app.command("import")
def import_mapping(
    file: Annotated[Path, typer.Argument(help="CSV/TSV: local,external[,relation] (relation sameAs|closeMatch)")],
    store: StoreOption = None,
) -> None:
    """Import a mapping file; any bad line fails the whole file (nothing is written)."""
    from scholarkg.linking.importer import MappingError, read_mapping
    from scholarkg.linking.local import read_local
    from scholarkg.linking.store import merge_links

    cli = _cli()
    if not file.is_file():
        raise cli._fail(f"{file}: no such file")
    settings = cli._settings(store)
    graph_store = cli._open(settings)
    try:
        result = read_mapping(file, read_local(graph_store), settings.base_iri)
    except MappingError as error:
        raise cli._fail(f"{error}; nothing was written") from None
    report = merge_links(graph_store, settings.base_iri, result.links, override_decided=True)
    graph_store.flush()
    _report(f"{file.name}: {result.rows} row(s)", report)


@link_app.command("match")
def match(
    files: Annotated[list[Path], typer.Argument(help="dblp RDF, OpenAlex JSON Lines or Wikidata RDF dumps (.gz ok)")],
    store: StoreOption = None,
    dump_format: Annotated[
        str | None, typer.Option("--format", help="Force the dump format: dblp, openalex or wikidata")
    ] = None,
) -> None:
    """Stream dumps and link matching papers and persons (accepted above the threshold, else candidates)."""
    from scholarkg.linking.importer import file_digest
    from scholarkg.linking.local import read_local
    from scholarkg.linking.match import ACCEPT_THRESHOLD, DUMP_FORMATS, DumpError, match_dump
    from scholarkg.linking.store import known_identifiers, merge_links

    cli = _cli()
    if dump_format is not None and dump_format not in DUMP_FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(DUMP_FORMATS)}", param_hint="--format")
    for file in files:
        if not file.is_file():
            raise cli._fail(f"{file}: no such file")
    settings = cli._settings(store)
    graph_store = cli._open(settings)
    local = read_local(graph_store)
    for file in files:
        try:
            sha = file_digest(file)
            known = known_identifiers(graph_store, settings.base_iri, exclude_sha256=sha)
            result = match_dump(file, local, settings.base_iri, dump_format=dump_format, known=known, sha256=sha)
        except DumpError as error:
            raise cli._fail(f"{error}; nothing was written for {file.name}") from None
        report = merge_links(graph_store, settings.base_iri, result.links)
        graph_store.flush()
        _report(
            f"{file.name} ({result.format}, {result.records} records, {result.papers} papers and "
            f"{result.persons} persons matched)",
            report,
        )
        for problem in result.invalid_ids[:20]:
            cli.err.print(f"[yellow]skipped:[/yellow] {escape(problem)}", highlight=False)
        if len(result.invalid_ids) > 20:
            cli.err.print(f"[yellow]skipped:[/yellow] … {len(result.invalid_ids) - 20} more")
    cli.out.print(f"links scoring {ACCEPT_THRESHOLD} or more are accepted; review the rest: scholarkg link list")


@link_app.command("variants")
def variants(store: StoreOption = None) -> None:
    """Propose name variants inside our own graph (candidates for review, never accepted automatically)."""
    from scholarkg.linking.local import read_local
    from scholarkg.linking.store import merge_links
    from scholarkg.linking.variants import propose_variants

    cli = _cli()
    settings = cli._settings(store)
    graph_store = cli._open(settings)
    proposals = propose_variants(read_local(graph_store))
    report = merge_links(graph_store, settings.base_iri, proposals)
    graph_store.flush()
    _report(f"{len(proposals)} name-variant pair(s)", report)


def _print_links(rows: list[tuple[str, Link]], names: dict[str, str]) -> None:
    cli = _cli()
    table = Table("id", "status", "kind", "score", "method", "local", "other", "evidence")
    for key, link in rows:
        local = names.get(link.subject, link.subject)
        other = names.get(link.object, link.object)
        evidence = "; ".join(e.comment for e in link.evidence[:3]) + (" …" if len(link.evidence) > 3 else "")
        table.add_row(
            key,
            link.status,
            link.kind,
            f"{link.score:.2f}",
            link.method,
            escape(local),
            escape(other),
            escape(evidence),
        )
    cli.out.print(table)


@link_app.command("list")
def list_command(
    store: StoreOption = None,
    status: Annotated[str | None, typer.Option("--status", help=f"One of {', '.join(STATUSES)}")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="person or paper (or organization, venue)")] = None,
) -> None:
    """Show links (by default all), best score first."""
    from scholarkg.linking.store import list_links, names_of

    cli = _cli()
    if status is not None and status not in STATUSES:
        raise typer.BadParameter(f"choose one of {', '.join(STATUSES)}", param_hint="--status")
    if kind is not None and kind not in LINK_KINDS:
        raise typer.BadParameter(f"choose one of {', '.join(LINK_KINDS)}", param_hint="--kind")
    settings = cli._settings(store)
    graph_store = cli._open(settings)
    rows = list_links(graph_store, settings.base_iri, status=status, kind=kind)
    names = names_of(graph_store, [iri for _, link in rows for iri in (link.subject, link.object)])
    _print_links(rows, names)


def _decide(identifier: str, status: str, store: Path | None) -> None:
    from scholarkg.linking.store import UnknownLinkError, decide

    cli = _cli()
    settings = cli._settings(store)
    graph_store = cli._open(settings)
    try:
        key, link = decide(graph_store, settings.base_iri, identifier, status)
    except UnknownLinkError as error:
        raise cli._fail(str(error)) from None
    graph_store.flush()
    assert link.decided is not None
    cli.out.print(f"{key}: {status} at {link.decided.isoformat()} ({link.subject} → {link.object})")


@link_app.command("accept")
def accept(
    identifier: Annotated[str, typer.Argument(help="Link id (from `scholarkg link list`)")], store: StoreOption = None
) -> None:
    """Accept a link: it becomes owl:sameAs; the decision is recorded with its time."""
    _decide(identifier, "accepted", store)


@link_app.command("reject")
def reject(
    identifier: Annotated[str, typer.Argument(help="Link id (from `scholarkg link list`)")], store: StoreOption = None
) -> None:
    """Reject a link: no assertion is kept and the pair is never proposed again."""
    _decide(identifier, "rejected", store)

"""`/.well-known/void` (VoID description of the dataset) and `/healthz`."""

from __future__ import annotations

import io
from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pyoxigraph import Literal, NamedNode, Triple, serialize

from scholarkg.api.deps import EngineDep, SettingsDep
from scholarkg.api.errors import ApiError
from scholarkg.api.negotiation import GRAPHS, negotiate_format
from scholarkg.loader.vocab import DCTERMS, RDF, VOID, XSD
from scholarkg.queries.engine import Engine
from scholarkg.queries.results import GRAPH_FORMATS, graph_media_type

router = APIRouter(tags=["Dataset"])
# Over every named graph: the pages, ontology, taxonomy and the derived graphs (links, co-author index).
DISTINCT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"


def _n(value: int) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + "integer"))


def _distinct_triples(engine: Engine) -> Callable[[], int]:
    return lambda: engine.store.count(DISTINCT_TRIPLES)


@router.get("/.well-known/void", summary="VoID description of the dataset")
async def void_description(request: Request, engine: EngineDep, settings: SettingsDep) -> Response:
    fmt = negotiate_format(request.headers.get("accept"), GRAPHS)
    if fmt is None:
        raise ApiError.not_acceptable("the VoID description", list(GRAPHS))
    stats = await run_in_threadpool(engine.statistics)  # cached; recomputed after a write
    # void:triples counts distinct triples: a triple stated by two pages is two quads but one triple.
    distinct = await run_in_threadpool(engine.cached, "distinct_triples", _distinct_triples(engine))
    sources = await run_in_threadpool(engine.sources)
    dataset = NamedNode(f"{settings.base_iri}id/dataset/scholarkg")
    base = str(request.base_url)
    v = lambda name: NamedNode(VOID + name)  # noqa: E731
    triples = [
        Triple(dataset, NamedNode(RDF + "type"), v("Dataset")),
        Triple(dataset, NamedNode(DCTERMS + "title"), Literal("ScholarKG")),
        Triple(dataset, v("sparqlEndpoint"), NamedNode(base + "sparql")),
        Triple(dataset, v("dataDump"), NamedNode(base + "export?format=nquads")),
        Triple(dataset, v("uriSpace"), Literal(f"{settings.base_iri}id/")),
        Triple(dataset, v("triples"), _n(distinct)),
        Triple(dataset, v("entities"), _n(stats["papers"] + stats["persons"] + stats["organizations"])),
        Triple(dataset, v("vocabulary"), NamedNode("http://schema.org/")),
        Triple(dataset, v("vocabulary"), NamedNode("https://w3id.org/scholarkg/ontology#")),
        Triple(dataset, v("vocabulary"), NamedNode("http://www.w3.org/2004/02/skos/core#")),
    ]
    for info in sources:
        subset = NamedNode(info.graph)
        triples += [
            Triple(dataset, v("subset"), subset),
            Triple(subset, NamedNode(RDF + "type"), v("Dataset")),
            Triple(subset, v("triples"), _n(info.triples)),
            Triple(subset, NamedNode(DCTERMS + "source"), Literal(info.file_name)),
        ]
    out = io.BytesIO()
    serialize(triples, out, GRAPH_FORMATS[fmt], prefixes={"void": VOID, "dcterms": DCTERMS})
    return Response(out.getvalue(), media_type=graph_media_type(fmt), headers={"Vary": "Accept"})


@router.get("/healthz", summary="Liveness and store check")
async def healthz(engine: EngineDep) -> dict[str, object]:
    sources = await run_in_threadpool(engine.source_count)  # cached: no store scan per request
    body: dict[str, object] = {
        "status": "ok",
        "sources": sources,
        "store": await run_in_threadpool(engine.store.health),  # backend; for a remote store, its engine
    }
    if engine.pool is not None:
        pool = engine.pool.status()
        body["query_workers"] = engine.pool.size
        body["killed_workers"] = engine.pool.killed  # workers stopped at the time limit (or crashed) and replaced
        body["queued_queries"] = pool["queued"]
        body["busy_rejections"] = pool["busy"]  # queries turned away after waiting `queue_timeout` (503 busy)
    return body

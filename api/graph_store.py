"""`/store`: SPARQL 1.1 Graph Store HTTP Protocol (indirect identification: `?graph=IRI` or `?default`).

Reads are open; PUT/POST/DELETE need the update token. Every write is one transaction. `?default` is the
store's own default graph, the deduplicated view of the pages that `/sparql` queries see by default (a
write there changes the view directly; a write into a named graph does not enter it: README, data model). POST without a
graph creates a new graph `{base}id/graph/{uuid}` and answers 201 with that graph IRI in `Location`.
"""

from __future__ import annotations

import io
import uuid
from email.parser import BytesParser
from email.policy import HTTP

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, serialize

from scholarkg.api.auth import require_update_token
from scholarkg.api.body import content_type, read_body
from scholarkg.api.deps import EngineDep, SettingsDep
from scholarkg.api.errors import ApiError
from scholarkg.api.negotiation import GRAPH_STORE, negotiate_format
from scholarkg.api.rdf_uploads import parse_upload
from scholarkg.loader.settings import Settings
from scholarkg.loader.text_index import EVERYTHING, NAME, NOTHING, RDF_TYPE, TextEffect
from scholarkg.queries.engine import Engine
from scholarkg.queries.results import GRAPH_FORMATS, graph_media_type

router = APIRouter(tags=["Graph Store Protocol"])
Graph = NamedNode | DefaultGraph
TRIPLE_GRAPHS = GRAPH_STORE  # what a single graph can be served as
_TRIPLE_FORMATS = {fmt.media_type: fmt for fmt in (RdfFormat.TURTLE, RdfFormat.N_TRIPLES, RdfFormat.RDF_XML)}
_TRIPLE_FORMATS.update(
    {
        "application/ld+json": RdfFormat.JSON_LD,
        "text/plain": RdfFormat.N_TRIPLES,
        "application/n3": RdfFormat.N3,
        "text/n3": RdfFormat.N3,
    }
)


def _target(request: Request, *, required: bool = True) -> Graph | None:
    params = request.query_params
    graphs = params.getlist("graph")
    if len(graphs) > 1:
        raise ApiError.bad_request("more than one 'graph' parameter")
    if graphs and "default" in params:
        raise ApiError.bad_request("use either ?graph=IRI or ?default, not both")
    if graphs:
        iri = graphs[0]
        try:
            return NamedNode(iri)
        except ValueError:
            raise ApiError.bad_parameter("graph", f"not a valid IRI: {iri!r}") from None
    if "default" in params:
        return DefaultGraph()
    if required:
        raise ApiError.bad_request("name the graph with ?graph=IRI or ?default", code="missing-graph")
    return None


def _exists(engine: Engine, graph: Graph) -> bool:
    if isinstance(graph, DefaultGraph):
        return True
    return engine.store.contains_graph(graph)


def _graph_token(graph: Graph) -> str:
    return "DEFAULT" if isinstance(graph, DefaultGraph) else f"GRAPH {graph}"


async def _payload(request: Request, settings: SettingsDep, graph: Graph) -> list[Quad]:
    media, charset = content_type(request)
    data = await read_body(request, settings.max_request_bytes)
    base = str(request.url.replace(query="", fragment=""))
    if media == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode() + data
        )
        quads: list[Quad] = []
        for part in message.iter_parts():
            part_type = part.get_content_type()
            quads += _parse(part.get_payload(decode=True) or b"", part_type, graph, base, settings)
        return quads
    if charset not in (None, "utf-8", "utf8"):
        raise ApiError(415, "unsupported-charset", f"charset {charset!r} is not supported; send UTF-8")
    return _parse(data, media, graph, base, settings)


def _parse(data: bytes, media: str, graph: Graph, base_iri: str | None, settings: Settings) -> list[Quad]:
    rdf_format = _TRIPLE_FORMATS.get(media)
    if rdf_format is None:
        raise ApiError.unsupported_media_type(media, list(_TRIPLE_FORMATS))
    base = graph.value if isinstance(graph, NamedNode) else base_iri
    return parse_upload(
        data,
        media,
        rdf_format,
        graph,
        base,
        max_quads=settings.max_upload_quads,
        max_bytes=settings.max_upload_parsed_bytes,
    )


def _write(engine: Engine, graph: Graph, quads: list[Quad], *, replace: bool) -> None:
    """Replace or merge in one update (one transaction). The quads come from parsing the payload, so their
    N-Triples forms are well-formed terms; a named graph is created even when the payload is empty."""
    lines = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    parts = []
    if replace:
        parts.append(f"DROP SILENT {_graph_token(graph)}")
    if isinstance(graph, NamedNode):
        parts.append(f"CREATE SILENT GRAPH {graph}")
        if quads:
            parts.append(f"INSERT DATA {{ GRAPH {graph} {{\n{lines}\n}} }}")
    elif quads:
        parts.append(f"INSERT DATA {{\n{lines}\n}}")
    if parts:
        engine.update(" ;\n".join(parts), generated=True, text_effect=_text_effect(graph, quads, replace=replace))


def _text_effect(graph: Graph, quads: list[Quad], *, replace: bool) -> TextEffect:
    """The full-text rows a write may change: the index reads the default graph (the view) only, so a named graph
    changes none; a merge into the default graph, the rows of the entities it names or types; replacing or deleting
    it, any row (`GraphStore.text_write` then compares the view's names before and after)."""
    if isinstance(graph, NamedNode):
        return NOTHING
    if replace:
        return EVERYTHING
    return TextEffect(
        frozenset(q.subject for q in quads if isinstance(q.subject, NamedNode) and q.predicate in (NAME, RDF_TYPE))
    )


@router.api_route("/store", methods=["GET", "HEAD"], summary="Read a graph (GSP)")
async def read_graph(request: Request, engine: EngineDep) -> Response:
    graph = _target(request)
    assert graph is not None
    fmt = negotiate_format(request.headers.get("accept"), TRIPLE_GRAPHS)
    if fmt is None:
        raise ApiError.not_acceptable("a graph", list(TRIPLE_GRAPHS))
    if not _exists(engine, graph):
        raise ApiError.not_found(f"no graph {graph}")

    def dump() -> bytes:
        out = io.BytesIO()
        if isinstance(graph, NamedNode):
            triples = engine.store.graph_triples(graph)  # embedded or remote backend
        else:
            triples = [q.triple for q in engine.store.store.quads_for_pattern(None, None, None, graph)]  # type: ignore[union-attr]
        serialize(triples, out, GRAPH_FORMATS[fmt])
        return out.getvalue()

    body = await run_in_threadpool(dump)
    media = graph_media_type(fmt)
    return Response(
        b"" if request.method == "HEAD" else body,
        media_type=f"{media}; charset=utf-8",
        headers={"Vary": "Accept", "Content-Length": str(len(body))},
    )


@router.put("/store", summary="Replace a graph (GSP)", status_code=204)
async def put_graph(request: Request, engine: EngineDep, settings: SettingsDep) -> Response:
    require_update_token(request, settings)
    graph = _target(request)
    assert graph is not None
    quads = await _payload(request, settings, graph)
    existed = _exists(engine, graph)
    await run_in_threadpool(_write, engine, graph, quads, replace=True)
    return Response(status_code=204 if existed else 201)


@router.post("/store", summary="Merge into a graph, or create a new one (GSP)", status_code=204)
async def post_graph(request: Request, engine: EngineDep, settings: SettingsDep) -> Response:
    require_update_token(request, settings)
    graph = _target(request, required=False)
    created = graph is None
    if graph is None:
        graph = NamedNode(f"{settings.base_iri}id/graph/{uuid.uuid4()}")
    quads = await _payload(request, settings, graph)
    existed = _exists(engine, graph)
    await run_in_threadpool(_write, engine, graph, quads, replace=False)
    if created:
        assert isinstance(graph, NamedNode)
        return Response(status_code=201, headers={"Location": graph.value})
    return Response(status_code=204 if existed else 201)


@router.delete("/store", summary="Delete a graph (GSP)", status_code=204)
async def delete_graph(request: Request, engine: EngineDep, settings: SettingsDep) -> Response:
    require_update_token(request, settings)
    graph = _target(request)
    assert graph is not None
    if not _exists(engine, graph):
        raise ApiError.not_found(f"no graph {graph}")
    effect = _text_effect(graph, [], replace=True)
    await run_in_threadpool(lambda: engine.update(f"DROP {_graph_token(graph)}", generated=True, text_effect=effect))
    return Response(status_code=204)

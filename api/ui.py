"""The browser UI: home page, search, canned queries as HTML forms and tables, and the YASGUI SPARQL editor.

Every page is rendered on the server (Jinja2, `api/templates/`) and works without JavaScript; the only script
is the editor's (`/static/app.js`), so the pages carry a strict Content-Security-Policy.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from pyoxigraph import Literal, NamedNode

from scholarkg.api.deps import CatalogDep, EngineDep
from scholarkg.api.errors import ApiError
from scholarkg.api.latex import render_tex
from scholarkg.api.link_schemes import is_linkable
from scholarkg.api.pagination import ranked_values
from scholarkg.api.query_responses import run_engine_query
from scholarkg.loader.vocab import PREFIXES
from scholarkg.queries.catalog import Parameter, StoredQuery, load_catalog
from scholarkg.queries.engine import Engine
from scholarkg.queries.execute import ROWS_FORMAT
from scholarkg.queries.parameters import ParameterError

router = APIRouter(tags=["Browser UI"])
TEMPLATES_DIR = Path(__file__).parent / "templates"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
MAX_SEARCH_LENGTH = 200
SEARCH_LIMIT = 100
_IRI_SAFE = "/:@!$&'()*+,;=-._~"

EXAMPLE_QUERY = """\
PREFIX schema: <http://schema.org/>
PREFIX skg: <https://w3id.org/scholarkg/ontology#>

# The ten people with the most papers in the graph
SELECT ?author ?name ?homonym (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?paper a schema:ScholarlyArticle ;
         schema:author ?author .
  ?author schema:name ?name .
  OPTIONAL { ?author skg:homonymNumber ?homonym }
}
GROUP BY ?author ?name ?homonym
ORDER BY DESC(?papers) ?name
LIMIT 10
"""

SEARCH_PEOPLE = """
SELECT ?item ?label ?homonym (COUNT(DISTINCT ?paper) AS ?papers) ?rank WHERE {
  %s
  ?item a schema:Person ; schema:name ?label .
  OPTIONAL { ?item skg:homonymNumber ?homonym }
  OPTIONAL { ?paper schema:author ?item }
}
GROUP BY ?item ?label ?homonym ?rank
ORDER BY ?rank ?label ?item
"""
SEARCH_PAPERS = """
SELECT ?item ?label (SAMPLE(?d) AS ?date) ?rank WHERE {
  %s
  ?item a schema:ScholarlyArticle ; schema:name ?label .
  OPTIONAL { ?item schema:datePublished ?published }
  BIND(STR(?published) AS ?d)
}
GROUP BY ?item ?label ?rank
ORDER BY ?rank ?label ?item
"""
TOP_AUTHORS = """
SELECT ?item ?label ?homonym (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?paper a schema:ScholarlyArticle ; schema:author ?item .
  ?item schema:name ?label .
  OPTIONAL { ?item skg:homonymNumber ?homonym }
}
GROUP BY ?item ?label ?homonym
ORDER BY DESC(?papers) ?label
LIMIT 12
"""
CATEGORIES_USED = """
SELECT ?item ?notation (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?paper schema:about ?item .
  OPTIONAL { ?item skos:notation ?notation }
  OPTIONAL { ?item skos:prefLabel ?l }
}
GROUP BY ?item ?notation
ORDER BY DESC(?papers) ?notation
"""

# Input widgets per parameter type: (HTML input type, placeholder).
INPUTS: dict[str, tuple[str, str]] = {
    "person": ("text", "a name, e.g. Tianlong Chen, or an IRI"),
    "paper": ("text", "a title or an IRI"),
    "category": ("text", "an arXiv category, e.g. cs.LG"),
    "organization": ("text", "an identifier, e.g. eth-zurich, or an IRI"),
    "iri": ("url", "https://…"),
    "string": ("text", ""),
    "integer": ("number", ""),
    "year": ("number", "e.g. 2024"),
    "date": ("date", "YYYY-MM-DD"),
}


# -- rendering ----------------------------------------------------------------------------------------
def local_href(iri: str, base: str) -> str:
    """Our entity IRIs (`{base}id/…`) as local `/id/…` paths; other http(s)/mailto IRIs unchanged; anything else
    (`javascript:`, `data:`, …) is no link at all: "" (templates then show the IRI as text)."""
    prefix = f"{base}id/"
    if iri.startswith(prefix):
        return "/id/" + quote(iri[len(prefix) :], safe=_IRI_SAFE)
    return iri if is_linkable(iri) else ""


def curie(iri: str) -> str:
    """`schema:name` for a known namespace, else the IRI."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


@pass_context
def _href(context: Context, iri: str) -> str:
    return local_href(iri, context["base"])


@pass_context
def _short(context: Context, iri: str) -> str:
    """`person/zhenyu-zhang-…` for our entities, `schema:name` for known vocabularies, else the IRI."""
    prefix = f"{context['base']}id/"
    return iri[len(prefix) :] if iri.startswith(prefix) else curie(iri)


def _is_link(value: object) -> bool:
    return is_linkable(value)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["href"] = _href
    env.filters["curie"] = curie
    env.filters["short"] = _short
    env.filters["tex"] = render_tex
    env.tests["link"] = _is_link
    return env


def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """An HTML page from `api/templates/{template}`, with the site's Content-Security-Policy."""
    base = request.app.state.settings.base_iri
    html = environment().get_template(template).render(base=base, path=request.url.path, **context)
    return HTMLResponse(html, status_code=status_code, headers={"Content-Security-Policy": CSP, **(headers or {})})


def error_page(request: Request, status: int, title: str, message: str, **headers: str) -> HTMLResponse:
    return render(request, "error.html", status_code=status, headers=headers, title=title, message=message)


async def select_rows(engine: Engine, text: str, **bindings: NamedNode | Literal) -> list[dict[str, Any]]:
    """A SELECT through the engine (pool, caps, time limit) as plain JSON rows; values bound as terms."""
    result = await run_engine_query(engine, engine.request(text, solution_format=ROWS_FORMAT, bindings=bindings))
    return json.loads(result.body)["rows"]  # type: ignore[no-any-return]


# -- home ---------------------------------------------------------------------------------------------
def _form(stored: StoredQuery, values: Mapping[str, str] | None = None) -> dict[str, Any]:
    def field(param: Parameter) -> dict[str, Any]:
        kind, placeholder = INPUTS.get(param.type, ("text", ""))
        value = (values or {}).get(param.name)
        return {
            "name": param.name,
            "type": param.type,
            "input": kind,
            "placeholder": placeholder,
            "required": param.required,
            "value": value if value is not None else (param.default or ""),
            "description": param.description,
        }

    return {
        "name": stored.name,
        "title": stored.title,
        "description": stored.description,
        "fields": [field(p) for p in stored.parameters],
        "sparql": stored.text,
    }


async def home_page(request: Request) -> Response:
    """`/` (and `/sparql` opened in a browser): statistics, search, canned query forms, browse lists."""
    engine: Engine = request.app.state.engine
    catalog = load_catalog()
    stats, authors, categories = await asyncio.gather(
        run_in_threadpool(engine.store.stats),
        select_rows(engine, TOP_AUTHORS),
        select_rows(engine, CATEGORIES_USED),
    )
    return render(
        request,
        "home.html",
        stats=stats,
        forms=[_form(stored) for stored in catalog.values()],
        authors=authors,
        categories=categories,
    )


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse, summary="Home page (HTML)")
async def home(request: Request) -> Response:
    return await home_page(request)


# -- search -------------------------------------------------------------------------------------------
async def _search(engine: Engine, kind: str, query: str, text: str) -> list[dict[str, Any]]:
    """The best SEARCH_LIMIT + 1 full-text hits of `kind`, with the details `query` adds, in rank order."""
    hits = await run_in_threadpool(engine.store.text.search, kind, text, SEARCH_LIMIT + 1)
    return await select_rows(engine, query % ranked_values("item", hits)) if hits else []


@router.get("/search", response_class=HTMLResponse, summary="Search authors and papers by name (HTML)")
async def search(request: Request, engine: EngineDep, q: str = "") -> Response:
    text = q.strip()
    if len(text) > MAX_SEARCH_LENGTH:
        return render(
            request,
            "search.html",
            status_code=422,
            q=text[:MAX_SEARCH_LENGTH],
            error=f"Search for at most {MAX_SEARCH_LENGTH} characters.",
            people=[],
            papers=[],
            more_people=False,
            more_papers=False,
        )
    people: list[dict[str, Any]] = []
    papers: list[dict[str, Any]] = []
    if text:
        people, papers = await asyncio.gather(
            _search(engine, "person", SEARCH_PEOPLE, text), _search(engine, "paper", SEARCH_PAPERS, text)
        )
    return render(
        request,
        "search.html",
        q=text,
        error=None,
        people=people[:SEARCH_LIMIT],
        papers=papers[:SEARCH_LIMIT],
        more_people=len(people) > SEARCH_LIMIT,
        more_papers=len(papers) > SEARCH_LIMIT,
    )


# -- canned queries -----------------------------------------------------------------------------------
@router.get("/ui/queries/{name}", response_class=HTMLResponse, summary="Run a canned query as an HTML table")
async def canned_query_page(name: str, request: Request, engine: EngineDep, catalog: CatalogDep) -> Response:
    stored = catalog.get(name)
    if stored is None:
        return error_page(request, 404, "No such query", f"There is no canned query named “{name}”.")
    submitted = dict(request.query_params)
    raw = {key: value for key, value in submitted.items() if value.strip()}
    form = _form(stored, submitted)
    json_url = f"/queries/{quote(name)}" + (f"?{urlencode(raw)}" if raw else "")
    page: dict[str, Any] = {"form": form, "json_url": json_url, "error": None, "result": None}
    duplicated = sorted(k for k in submitted if len(request.query_params.getlist(k)) > 1)
    if not submitted and any(p.required for p in stored.parameters):
        return render(request, "query.html", **page)
    if duplicated:
        page["error"] = f"parameter {duplicated[0]!r} is given more than once"
        return render(request, "query.html", status_code=422, **page)
    try:
        stored, bindings = await run_in_threadpool(engine.prepare, stored, raw)
        result = await run_engine_query(engine, engine.stored_request(stored, bindings))
    except ParameterError as error:
        page["error"] = str(error)
        return render(request, "query.html", status_code=422, **page)
    except ApiError as error:
        page["error"] = error.message
        return render(request, "query.html", status_code=error.status, **page)
    if result.kind == "graph":
        page["result"] = {"kind": "graph", "text": result.body.decode("utf-8"), "truncated": result.truncated}
    elif result.kind == "ask":
        page["result"] = {"kind": "ask", "value": json.loads(result.body).get("boolean")}
    else:
        rows = json.loads(result.body)
        page["result"] = {"kind": "select", **rows, "seconds": result.seconds}
    return render(request, "query.html", **page)


# -- SPARQL editor ------------------------------------------------------------------------------------
@router.get("/ui/sparql", response_class=HTMLResponse, summary="SPARQL editor (YASGUI)")
async def sparql_editor(request: Request) -> Response:
    return render(request, "sparql.html", example=EXAMPLE_QUERY)


# -- HTTP API documentation -----------------------------------------------------------------------------
SWAGGER_DIR = Path(__file__).parent / "static" / "vendor" / "swagger-ui"


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
async def api_docs(request: Request) -> Response:
    """Swagger UI, vendored (`scripts/vendor_swagger.sh`): no CDN, the site's Content-Security-Policy."""
    version = (SWAGGER_DIR / "VERSION").read_text(encoding="utf-8").strip()
    return render(request, "docs.html", swagger_version=version)

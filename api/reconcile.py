"""`/reconcile`: the W3C Reconciliation Service API 0.2 (OpenRefine, Cocoda, Alma Refine).

- GET `/reconcile` without parameters → the service manifest;
- GET `?queries=` / form POST `queries=` → a reconciliation result batch;
- GET `?extend=` / form POST `extend=` → a data-extension response; `/reconcile/properties?type=` proposes;
- `/reconcile/preview?id=` → a small HTML card; `/reconcile/suggest/{entity,type,property}?prefix=&cursor=`.

Entity ids are IRIs relative to the identifier space `{base}id/` (`person/kurt-keutzer-…`); full IRIs are
accepted wherever an id is. Types: `person`, `paper`, `organization`, `category`. Scoring and the match rule
are in `api/reconcile_scoring.py`, candidates come from the name index (`api/reconcile_index.py`), facts
from `api/reconcile_facts.py`. CORS (any origin, GET and POST) is added for these paths only (`api/cors.py`).
"""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from scholarkg.api.deps import EngineDep
from scholarkg.api.errors import ApiError
from scholarkg.api.reconcile_facts import Facts, coauthor_pairs, load_facts
from scholarkg.api.reconcile_index import ID_SCHEMES, Entry, IndexHolder, ReconcileIndex, identifier_key
from scholarkg.api.reconcile_scoring import Scored, combine, decide_match, fold, name_similarity
from scholarkg.ontology.taxonomy import resolve_code
from scholarkg.queries.engine import Engine

router = APIRouter(tags=["Reconciliation"])

BATCH_SIZE = 50
MAX_LIMIT = 100
DEFAULT_LIMIT = 10
MAX_QUERY_LENGTH = 1_000
MAX_PROPERTIES = 20
MAX_VALUES = 50
DETAILED = 25  # candidates per query whose facts are fetched (best names first)
MAX_EXTEND_IDS = 500
MAX_CELL_VALUES = 1_000
SUGGEST_LIMIT = 20
PREVIEW_WIDTH, PREVIEW_HEIGHT = 400, 160
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors *"
)

# -- types and properties (documented ids) ------------------------------------------------------------
TYPES: dict[str, dict[str, str]] = {
    "person": {"name": "Person", "description": "An author (schema:Person); dblp homonyms are distinct persons"},
    "paper": {"name": "Paper", "description": "A paper (schema:ScholarlyArticle)"},
    "organization": {"name": "Organization", "description": "An organisation named on papers (schema:Organization)"},
    "category": {"name": "Category", "description": "An arXiv category or archive (skos:Concept), e.g. cs.LG"},
}
_TYPE_ALIASES = {
    "http://schema.org/person": "person",
    "schema:person": "person",
    "http://schema.org/scholarlyarticle": "paper",
    "schema:scholarlyarticle": "paper",
    "http://schema.org/organization": "organization",
    "schema:organization": "organization",
    "org": "organization",
    "organisation": "organization",
    "http://www.w3.org/2004/02/skos/core#concept": "category",
    "skos:concept": "category",
}
KIND_PATHS = {"person": ("person",), "paper": ("paper",), "organization": ("org",), "category": ("category", "archive")}

_EXACT = "exact identifier: settles the match"
# Query properties: pid → (name, description, kinds it applies to)
QUERY_PROPERTIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "coauthor": ("Co-author", "a co-author's name or id (for a paper: one of its authors)", ("person", "paper")),
    "author": ("Author", "an author's name or id", ("paper",)),
    "year": ("Year", "a publication year (for a person: of any of their papers)", ("person", "paper")),
    "category": ("arXiv category", "a notation (cs.LG), page code (LG) or id", ("person", "paper")),
    "organization": ("Organization", "an organisation slug (eth-zurich) or id", ("person", "paper")),
    "orcid": ("ORCID", f"an ORCID iD or its IRI ({_EXACT})", ("person",)),
    "dblp": ("dblp", f"a dblp person (pid/72/3011-1) or record (rec/…) key or IRI ({_EXACT})", ("person", "paper")),
    "wikidata": ("Wikidata", f"a Wikidata item (Q42) or its IRI ({_EXACT})", ("person", "paper")),
    "openalex": ("OpenAlex", f"an OpenAlex id (A…, W…) or IRI ({_EXACT})", ("person", "paper")),
    "doi": ("DOI", f"a DOI, doi: form or IRI ({_EXACT})", ("paper",)),
    "arxiv": ("arXiv", f"an arXiv id (2310.17157, hep-th/9901001) or IRI ({_EXACT})", ("paper",)),
}
# Data-extension properties per type: pid → (name, value type id or "")
EXTEND_PROPERTIES: dict[str, dict[str, tuple[str, str]]] = {
    "person": {
        "papers": ("Papers", "paper"),
        "paper_count": ("Number of papers", ""),
        "coauthors": ("Co-authors", "person"),
        "categories": ("arXiv categories", "category"),
        "organizations": ("Organizations", "organization"),
        "first_year": ("First year", ""),
        "last_year": ("Last year", ""),
        "orcid": ("ORCID", ""),
        "dblp": ("dblp", ""),
        "wikidata": ("Wikidata", ""),
        "openalex": ("OpenAlex", ""),
    },
    "paper": {
        "authors": ("Authors", "person"),
        "year": ("Year", ""),
        "date": ("Date published", ""),
        "categories": ("arXiv categories", "category"),
        "organizations": ("Organizations", "organization"),
        "doi": ("DOI", ""),
        "arxiv": ("arXiv", ""),
        "dblp": ("dblp", ""),
        "wikidata": ("Wikidata", ""),
        "openalex": ("OpenAlex", ""),
    },
    "organization": {"papers": ("Papers", "paper"), "paper_count": ("Number of papers", "")},
    "category": {"papers": ("Papers", "paper"), "paper_count": ("Number of papers", ""), "label": ("Label", "")},
}
PROPERTY_SETTINGS = [
    {
        "name": "limit",
        "label": "Limit",
        "type": "number",
        "default": 0,
        "help_text": f"Maximum number of values per cell (0: all, at most {MAX_CELL_VALUES})",
    }
]


# -- wire format ------------------------------------------------------------------------------------
class EntityValue(BaseModel):
    id: str = Field(max_length=2_000)
    name: str | None = None


PropertyValue = Annotated[str, Field(max_length=2_000)] | float | int | bool | EntityValue


class QueryProperty(BaseModel):
    pid: str
    v: PropertyValue | list[PropertyValue]

    def values(self) -> list[str | float | int | bool | EntityValue]:
        values = self.v if isinstance(self.v, list) else [self.v]
        if len(values) > MAX_VALUES:
            raise ValueError(f"at most {MAX_VALUES} values per property")
        return values


class ReconQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str | None = Field(None, max_length=MAX_QUERY_LENGTH)
    type: str | list[str] | None = None
    limit: int | None = Field(None, ge=1)
    properties: list[QueryProperty] | None = Field(None, max_length=MAX_PROPERTIES)
    type_strict: Literal["any", "should", "all"] | None = None

    @field_validator("limit", mode="before")
    @classmethod
    def _integral(cls, value: object) -> object:
        return int(value) if isinstance(value, float) and value.is_integer() else value


class ExtendProperty(BaseModel):
    id: str
    settings: dict[str, Any] | None = None


class ExtendQuery(BaseModel):
    ids: list[str] = Field(max_length=MAX_EXTEND_IDS)
    properties: list[ExtendProperty] = Field(max_length=MAX_PROPERTIES)


def _parse_json(raw: str, parameter: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise ApiError.bad_parameter(parameter, f"{parameter!r} is not valid JSON: {error}") from None


def _validation_error(parameter: str, error: ValidationError) -> ApiError:
    first = error.errors()[0]
    where = ".".join(str(part) for part in (parameter, *first["loc"]))
    return ApiError.bad_parameter(where, f"{where}: {first['msg']}")


def parse_batch(raw: str) -> dict[str, ReconQuery]:
    data = _parse_json(raw, "queries")
    if not isinstance(data, dict):
        raise ApiError.bad_parameter("queries", "'queries' must be a JSON object of queries keyed by id")
    if len(data) > BATCH_SIZE:
        raise ApiError(413, "batch-too-large", f"at most {BATCH_SIZE} queries per batch (got {len(data)})")
    batch: dict[str, ReconQuery] = {}
    for key, value in data.items():
        try:
            query = ReconQuery.model_validate(value)
            for prop in query.properties or ():
                prop.values()
        except (ValidationError, ValueError) as error:
            if isinstance(error, ValidationError):
                raise _validation_error(f"queries.{key}", error) from None
            raise ApiError.bad_parameter(f"queries.{key}.properties", str(error)) from None
        if not (query.query or "").strip() and not query.properties:
            raise ApiError.bad_parameter(f"queries.{key}", f"query {key!r} needs a non-empty 'query' or 'properties'")
        batch[key] = query
    return batch


# -- ids --------------------------------------------------------------------------------------------
def space(base: str) -> str:
    return f"{base}id/"


def to_iri(identifier: str, base: str) -> str:
    """An id (`person/…`) or a full IRI of this service → the IRI."""
    text = identifier.strip()
    return text if text.startswith(("http://", "https://")) else space(base) + text.lstrip("/")


def to_id(iri: str, base: str) -> str:
    prefix = space(base)
    return iri[len(prefix) :] if iri.startswith(prefix) else iri


def kind_of_type(value: str, parameter: str) -> str:
    key = value.strip()
    kind = key if key in TYPES else _TYPE_ALIASES.get(key.lower())
    if kind is None:
        raise ApiError.bad_parameter(parameter, f"unknown type {value!r}; types: {', '.join(TYPES)}")
    return kind


# -- reconciliation -----------------------------------------------------------------------------------
@dataclass
class Prepared:
    key: str
    kinds: tuple[str, ...]
    folded: str
    limit: int
    properties: list[tuple[str, list[str | float | int | bool | EntityValue]]]
    pool: dict[str, float | None]  # candidate IRI → name similarity (None: no name in the query)
    identified: set[str]  # IRIs that an identifier property named
    people: dict[str, list[dict[str, float]]]  # co-author/author pid → per value: person IRI → name similarity


def _kinds(key: str, query: ReconQuery) -> tuple[str, ...]:
    parameter = f"queries.{key}.type"
    if query.type is not None:
        given = [query.type] if isinstance(query.type, str) else query.type
        kinds = tuple(dict.fromkeys(kind_of_type(t, parameter) for t in given))
        if kinds:
            return kinds
    pids = [p.pid for p in query.properties or ()]
    fitting = tuple(k for k in TYPES if all(pid in QUERY_PROPERTIES and k in QUERY_PROPERTIES[pid][2] for pid in pids))
    return fitting or tuple(TYPES)


def prepare(key: str, query: ReconQuery, index: ReconcileIndex) -> Prepared:
    kinds = _kinds(key, query)
    props: list[tuple[str, list[str | float | int | bool | EntityValue]]] = []
    identified: set[str] = set()
    for prop in query.properties or ():
        pid = prop.pid.strip()
        spec = QUERY_PROPERTIES.get(pid)
        parameter = f"queries.{key}.properties"
        if spec is None:
            raise ApiError.bad_parameter(
                parameter, f"unknown property {pid!r}; properties: {', '.join(QUERY_PROPERTIES)}"
            )
        if not set(kinds) & set(spec[2]):
            raise ApiError.bad_parameter(parameter, f"property {pid!r} applies to {', '.join(spec[2])} only")
        values = prop.values()
        props.append((pid, values))
        if pid in ID_SCHEMES:
            for value in values:
                found = _identifier(pid, value)
                if found is None:
                    raise ApiError.bad_parameter(parameter, f"{value!r} is not a {pid} identifier")
                identified |= {iri for iri in index.identifiers.get(found, ()) if _entry_kind(index, iri) in kinds}
    folded = fold(query.query or "")
    limit = min(query.limit or DEFAULT_LIMIT, MAX_LIMIT)
    pool: dict[str, float | None] = {}
    if folded:
        for kind in kinds:
            for entry, similarity in index.kinds[kind].find(folded, DETAILED, thorough=bool(props)):
                pool[entry.iri] = similarity
    for iri in identified:
        entry = index.entry(iri)
        pool[iri] = name_similarity(folded, entry.texts) if folded and entry else None
    if not folded:
        pool = {iri: None for iri in pool}
    people = {pid: resolve_people(values, index) for pid, values in props if pid in PEOPLE_PIDS}
    return Prepared(key, kinds, folded, limit, props, pool, identified, people)


PEOPLE_PIDS = ("coauthor", "author")
PERSON_NAME_MATCH = 0.85


def resolve_people(values: list[Any], index: ReconcileIndex) -> list[dict[str, float]]:
    """Each co-author value as the persons it may name: an id exactly, a name by the name index (≥ 0.85)."""
    resolved: list[dict[str, float]] = []
    names = index.kinds["person"]
    for value in values:
        text = value.id if isinstance(value, EntityValue) else str(value)
        if isinstance(value, EntityValue) or text.startswith(("http://", "https://")):
            resolved.append({to_iri(text, index.base): 1.0})
            continue
        found = names.find(fold(text), DETAILED)
        resolved.append({entry.iri: s for entry, s in found if s >= PERSON_NAME_MATCH})
    return resolved


def _entry_kind(index: ReconcileIndex, iri: str) -> str | None:
    entry = index.entry(iri)
    return None if entry is None else entry.kind


def _identifier(pid: str, value: object) -> str | None:
    text = value.id if isinstance(value, EntityValue) else str(value)
    return identifier_key(text, pid)


def _category(value: object, base: str) -> str | None:
    """A notation for a category value: `cs.LG`, `LG`, an id `category/cs.LG` or its IRI."""
    text = (value.id if isinstance(value, EntityValue) else str(value)).strip()
    iri_prefix = space(base)
    for path in ("category/", "archive/"):
        if text.startswith(iri_prefix + path):
            return text[len(iri_prefix + path) :]
        if text.startswith(path):
            return text[len(path) :]
    return resolve_code(text)


def _in_category(notation: str, categories: Mapping[str, int]) -> bool:
    return any(c == notation or c.startswith(notation + ".") for c in categories)


def _year_feature(values: list[Any], years: list[int]) -> float:
    got: list[float] = []
    for value in values:
        text = str(value.id if isinstance(value, EntityValue) else value).strip()
        year = int(float(text)) if text.replace(".", "", 1).isdigit() else None
        if year is None or not years:
            got.append(0.0)
        elif year in years:
            got.append(1.0)
        else:
            got.append(0.5 if min(abs(year - y) for y in years) == 1 else 0.0)
    return sum(got) / len(got) if got else 0.0


def _people_feature(resolved: list[dict[str, float]], linked: set[str], own: str) -> float:
    """Mean over the supplied co-authors of the best similarity of a person they may name who wrote with `own`."""
    got = [max((s for iri, s in r.items() if iri in linked and iri != own), default=0.0) for r in resolved]
    return sum(got) / len(got) if got else 0.0


def _identifier_feature(pid: str, values: list[Any], externals: list[str]) -> float:
    mine = {identifier_key(ext) for ext in externals}
    mine_scheme = {k for k in mine if k and k.startswith(pid + ":")}
    got = []
    for value in values:
        key = _identifier(pid, value)
        got.append(1.0 if key in mine_scheme else (0.0 if mine_scheme else 0.5))
    return sum(got) / len(got) if got else 0.0


def score_candidate(prep: Prepared, entry: Entry, facts: Facts, index: ReconcileIndex, coauthors: set[str]) -> Scored:
    similarity = prep.pool.get(entry.iri)
    candidate = Scored(
        key=entry.iri,
        name=similarity,
        exact_name=bool(prep.folded) and prep.folded in entry.texts,
        identifier=entry.iri in prep.identified,
    )
    externals = index.external.get(entry.iri, [])
    for pid, values in prep.properties:
        if entry.kind not in QUERY_PROPERTIES[pid][2]:
            value = 0.0
        elif pid in PEOPLE_PIDS:
            linked = coauthors if entry.kind == "person" else {a.iri for a in facts.authors}
            value = _people_feature(prep.people[pid], linked, entry.iri)
        elif pid == "year":
            value = _year_feature(values, facts.years)
        elif pid == "category":
            notations = [_category(v, index.base) for v in values]
            value = sum(1.0 for n in notations if n and _in_category(n, facts.categories)) / len(values)
        elif pid == "organization":
            slugs = {
                to_id(to_iri(v.id, index.base), index.base).removeprefix("org/")
                if isinstance(v, EntityValue)
                else str(v).strip().lower()
                for v in values
            }
            value = sum(1.0 for s in slugs if s in facts.organizations) / len(slugs)
        else:
            value = _identifier_feature(pid, values, externals)
        candidate.properties[pid] = max(candidate.properties.get(pid, 0.0), value)
    candidate.score = combine(candidate)
    return candidate


def describe(entry: Entry, facts: Facts) -> str:
    """`12 papers, 2019–2025, cs.LG` for a person; year, categories and authors for a paper."""
    parts: list[str] = []
    top = ", ".join(n for n, _ in facts.categories.most_common(2))
    if entry.kind == "paper":
        if facts.date:
            parts.append(facts.date)
        if top:
            parts.append(top)
        names = [a.name for a in facts.authors[:3]]
        if names:
            parts.append(", ".join(names) + (" et al." if len(facts.authors) > 3 else ""))
        return " · ".join(parts)
    if entry.kind == "category":
        return f"{entry.label or entry.name}, {facts.count} paper{'' if facts.count == 1 else 's'}"
    count = facts.count or entry.papers
    parts.append(f"{count} paper{'' if count == 1 else 's'}")
    if facts.years:
        first, last = min(facts.years), max(facts.years)
        parts.append(str(first) if first == last else f"{first}–{last}")
    if top and entry.kind == "person":
        parts.append(top)
    return ", ".join(parts)


def display_name(entry: Entry) -> str:
    if entry.kind == "person" and entry.homonym:
        return f"{entry.name} {entry.homonym}"
    if entry.kind == "category" and entry.label:
        return f"{entry.name} {entry.label}"
    return entry.name


FACT_PIDS = frozenset({"year", "category", "organization", "author", "coauthor"})


async def reconcile_batch(engine: Engine, index: ReconcileIndex, batch: dict[str, ReconQuery]) -> dict[str, Any]:
    """Score every query's pool (facts fetched only where a property needs them), then describe the results."""
    prepared = await run_in_threadpool(lambda: [prepare(key, query, index) for key, query in batch.items()])
    needs_facts = [iri for p in prepared if any(pid in FACT_PIDS for pid, _ in p.properties) for iri in p.pool]
    persons = [iri for p in prepared if p.people for iri in p.pool if _entry_kind(index, iri) == "person"]
    named = [iri for p in prepared for values in p.people.values() for r in values for iri in r]
    facts, pairs = await asyncio.gather(load_facts(engine, index, needs_facts), coauthor_pairs(engine, persons, named))
    results: list[tuple[str, list[Scored]]] = []
    for prep in prepared:
        ranked: list[Scored] = []
        for iri in prep.pool:
            entry = index.entry(iri)
            if entry is not None:
                ranked.append(score_candidate(prep, entry, facts.get(iri, Facts()), index, pairs.get(iri, set())))
        ranked.sort(key=lambda c: (-c.score, -_papers(index, c.key), _display(index, c.key), c.key))
        decide_match(ranked)  # before the cut: a runner-up beyond `limit` still makes the top ambiguous
        results.append((prep.key, ranked[: prep.limit]))
    shown = [c.key for _, ranked in results for c in ranked if c.key not in facts]
    facts.update(await load_facts(engine, index, shown))
    return {key: {"result": [_candidate_json(c, index, facts) for c in ranked]} for key, ranked in results}


def _candidate_json(candidate: Scored, index: ReconcileIndex, facts: Mapping[str, Facts]) -> dict[str, Any]:
    entry = index.entry(candidate.key)
    assert entry is not None  # scored candidates are loaded entries
    return {
        "id": to_id(entry.iri, index.base),
        "name": display_name(entry),
        "description": describe(entry, facts.get(entry.iri, Facts())),
        "score": candidate.score,
        "match": candidate.match,
        "type": [{"id": entry.kind, "name": TYPES[entry.kind]["name"]}],
        "features": candidate.features(),
    }


# -- data extension -----------------------------------------------------------------------------------
def parse_extend(raw: str) -> ExtendQuery:
    try:
        return ExtendQuery.model_validate(_parse_json(raw, "extend"))
    except ValidationError as error:
        raise _validation_error("extend", error) from None


def _cell_limit(prop: ExtendProperty) -> int:
    raw = (prop.settings or {}).get("limit", 0)
    try:
        limit = int(raw)
    except (TypeError, ValueError):
        raise ApiError.bad_parameter(f"extend.properties.{prop.id}.settings.limit", "limit must be a number") from None
    return MAX_CELL_VALUES if limit <= 0 else min(limit, MAX_CELL_VALUES)


def _ref(iri: str, name: str, base: str) -> dict[str, str]:
    return {"id": to_id(iri, base), "name": name}


def extend_values(pid: str, entry: Entry, facts: Facts, index: ReconcileIndex) -> list[dict[str, Any]]:
    base = index.base
    externals = index.external.get(entry.iri, [])
    if pid in ID_SCHEMES:
        return [{"str": ext} for ext in externals if (identifier_key(ext) or "").startswith(pid + ":")]
    if pid == "papers":
        return [_ref(p.iri, p.name, base) for p in facts.papers]
    if pid == "paper_count":
        return [{"int": facts.count}]
    if pid == "coauthors":
        return [_ref(p.iri, p.name, base) for p in facts.coauthors]
    if pid == "authors":
        return [_ref(p.iri, p.name, base) for p in facts.authors]
    if pid == "categories":
        ranked = sorted(facts.categories.items(), key=lambda item: (-item[1], item[0]))
        return [_ref(f"{space(base)}category/{n}", n, base) for n, _ in ranked]
    if pid == "organizations":
        orgs = sorted(facts.organizations.values(), key=lambda r: (-r.count, r.name))
        return [_ref(o.iri, o.name, base) for o in orgs]
    if pid in ("first_year", "last_year", "year"):
        if not facts.years:
            return []
        return [{"int": min(facts.years) if pid != "last_year" else max(facts.years)}]
    if pid == "date":
        return [{"str": facts.date}] if facts.date else []
    if pid == "label":
        return [{"str": entry.label}] if entry.label else []
    return []


async def extend_batch(engine: Engine, index: ReconcileIndex, query: ExtendQuery) -> dict[str, Any]:
    known = {pid for props in EXTEND_PROPERTIES.values() for pid in props}
    for prop in query.properties:
        if prop.id not in known:
            raise ApiError.bad_parameter(
                "extend.properties", f"unknown property {prop.id!r}; see /reconcile/properties"
            )
    limits = {prop.id: _cell_limit(prop) for prop in query.properties}
    iris = {identifier: to_iri(identifier, index.base) for identifier in query.ids}
    people = any(p.id == "coauthors" for p in query.properties)
    tagged = any(p.id == "papers" for p in query.properties)
    await run_in_threadpool(index.load, iris.values())
    facts = await load_facts(engine, index, list(iris.values()), people=people, lists=tagged)
    meta: list[dict[str, Any]] = []
    for prop in query.properties:
        name, value_type = next(props[prop.id] for props in EXTEND_PROPERTIES.values() if prop.id in props)
        item: dict[str, Any] = {"id": prop.id, "name": name}
        if value_type:
            item["type"] = {"id": value_type, "name": TYPES[value_type]["name"]}
        meta.append(item)
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for identifier, iri in iris.items():
        entry = index.entry(iri)
        row: dict[str, list[dict[str, Any]]] = {}
        for prop in query.properties:
            applies = entry is not None and prop.id in EXTEND_PROPERTIES[entry.kind]
            values = extend_values(prop.id, entry, facts.get(iri, Facts()), index) if applies else []  # type: ignore[arg-type]
            row[prop.id] = values[: limits[prop.id]]
        rows[identifier] = row
    return {"meta": meta, "rows": rows}


# -- manifest -------------------------------------------------------------------------------------------
def manifest(request: Request, base: str) -> dict[str, Any]:
    root = str(request.base_url)
    service = f"{root}reconcile"
    return {
        "versions": ["0.2"],
        "name": "ScholarKG",
        "identifierSpace": space(base),
        "schemaSpace": "http://schema.org/",
        "documentation": f"{root}docs#/Reconciliation",
        "serviceVersion": request.app.version,
        "defaultTypes": [
            {"id": kind, "name": spec["name"], "description": spec["description"]} for kind, spec in TYPES.items()
        ],
        "view": {"url": f"{root}id/{{{{id}}}}"},
        "preview": {"url": f"{service}/preview?id={{{{id}}}}", "width": PREVIEW_WIDTH, "height": PREVIEW_HEIGHT},
        "suggest": {
            "entity": {"service_url": service, "service_path": "/suggest/entity"},
            "type": {"service_url": service, "service_path": "/suggest/type"},
            "property": {"service_url": service, "service_path": "/suggest/property"},
        },
        "extend": {
            "propose_properties": {"service_url": service, "service_path": "/properties"},
            "property_settings": PROPERTY_SETTINGS,
        },
        "batchSize": BATCH_SIZE,
    }


def _holder(request: Request) -> IndexHolder:
    holder: IndexHolder | None = getattr(request.app.state, "reconcile_index", None)
    if holder is None:
        holder = request.app.state.reconcile_index = IndexHolder()
    return holder


async def current_index(request: Request, engine: Engine) -> ReconcileIndex:
    return await run_in_threadpool(_holder(request).get, engine)


async def _answer(request: Request, engine: Engine, queries: str | None, extend: str | None) -> JSONResponse:
    if queries is not None and extend is not None:
        raise ApiError.bad_request("send either 'queries' or 'extend', not both")
    if queries is not None:
        batch = parse_batch(queries)
        return JSONResponse(await reconcile_batch(engine, await current_index(request, engine), batch))
    if extend is not None:
        query = parse_extend(extend)
        return JSONResponse(await extend_batch(engine, await current_index(request, engine), query))
    return JSONResponse(manifest(request, engine.settings.base_iri))


@router.get("/reconcile", summary="Reconciliation: the manifest, or ?queries= / ?extend=")
async def reconcile_get(
    request: Request,
    engine: EngineDep,
    queries: Annotated[str | None, Query(description="A reconciliation query batch (JSON)")] = None,
    extend: Annotated[str | None, Query(description="A data extension query (JSON)")] = None,
) -> JSONResponse:
    return await _answer(request, engine, queries, extend)


@router.post("/reconcile", summary="Reconciliation: form-encoded queries= or extend=")
async def reconcile_post(request: Request, engine: EngineDep) -> JSONResponse:
    form = await request.form()
    queries, extend = form.get("queries"), form.get("extend")
    if queries is None and extend is None:
        raise ApiError.bad_parameter("queries", "POST a form with 'queries' (or 'extend') as JSON")
    return await _answer(
        request, engine, None if queries is None else str(queries), None if extend is None else str(extend)
    )


@router.get("/reconcile/properties", summary="Data extension: properties proposed for a type")
async def propose_properties(
    type: Annotated[str, Query(description="A type id: person, paper, organization, category")],
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> JSONResponse:
    kind = kind_of_type(type, "type")
    props = [{"id": pid, "name": name} for pid, (name, _) in EXTEND_PROPERTIES[kind].items()]
    body: dict[str, Any] = {"type": type, "properties": props[:limit] if limit else props}
    if limit is not None:
        body["limit"] = limit
    return JSONResponse(body)


# -- suggest ----------------------------------------------------------------------------------------------
Prefix = Annotated[str, Query(max_length=MAX_QUERY_LENGTH, description="What the user typed")]
Cursor = Annotated[int, Query(ge=0, le=10_000, description="Suggestions to skip")]


@router.get("/reconcile/suggest/entity", summary="Suggest entities by name prefix (or id)")
async def suggest_entity(
    request: Request,
    engine: EngineDep,
    prefix: Prefix,
    cursor: Cursor = 0,
    type: Annotated[str | None, Query(description="Only entities of this type")] = None,
) -> JSONResponse:
    index = await current_index(request, engine)
    kinds = (kind_of_type(type, "type"),) if type else tuple(TYPES)
    window = await run_in_threadpool(_suggestions, index, kinds, prefix, cursor)
    facts = await load_facts(engine, index, [e.iri for e in window], people=False)
    result = [
        {
            "id": to_id(e.iri, index.base),
            "name": display_name(e),
            "description": describe(e, facts.get(e.iri, Facts())),
            "notable": [{"id": e.kind, "name": TYPES[e.kind]["name"]}],
        }
        for e in window
    ]
    return JSONResponse({"result": result})


def _suggestions(index: ReconcileIndex, kinds: tuple[str, ...], prefix: str, cursor: int) -> list[Entry]:
    """One page of entity suggestions: an id as prefix names its entity first; then, per kind, the entities
    holding the typed words (persons and papers in the full-text index's order, so cursor pages are stable)."""
    found: list[Entry] = []
    direct = index.entry(to_iri(prefix, index.base)) if prefix.strip() else None
    if direct is not None and direct.kind in kinds:
        found.append(direct)
    for kind in kinds:
        found.extend(index.kinds[kind].complete(prefix, 0, cursor + SUGGEST_LIMIT))
    ranked = list(dict.fromkeys(found))
    if direct is None:
        wanted = fold(prefix)
        ranked.sort(key=lambda e: not any(t.startswith(wanted) for t in e.texts))  # stable: kind order within
    return ranked[cursor : cursor + SUGGEST_LIMIT]


def _papers(index: ReconcileIndex, iri: str) -> int:
    entry = index.entry(iri)
    return 0 if entry is None else entry.papers


def _display(index: ReconcileIndex, iri: str) -> str:
    entry = index.entry(iri)
    return iri if entry is None else display_name(entry)


def _matches(prefix: str, *texts: str) -> bool:
    wanted = fold(prefix)
    return not wanted or any(fold(t).startswith(wanted) or f" {wanted}" in f" {fold(t)}" for t in texts)


@router.get("/reconcile/suggest/type", summary="Suggest types")
async def suggest_type(prefix: Prefix, cursor: Cursor = 0) -> JSONResponse:
    found = [
        {"id": kind, "name": spec["name"], "description": spec["description"]}
        for kind, spec in TYPES.items()
        if _matches(prefix, kind, spec["name"])
    ]
    return JSONResponse({"result": found[cursor : cursor + SUGGEST_LIMIT]})


@router.get("/reconcile/suggest/property", summary="Suggest properties (for queries and data extension)")
async def suggest_property(prefix: Prefix, cursor: Cursor = 0) -> JSONResponse:
    found: dict[str, dict[str, str]] = {}
    for pid, (name, description, kinds) in QUERY_PROPERTIES.items():
        found[pid] = {"id": pid, "name": name, "description": f"{description} ({', '.join(kinds)})"}
    for props in EXTEND_PROPERTIES.values():
        for pid, (name, _) in props.items():
            found.setdefault(pid, {"id": pid, "name": name, "description": "data extension"})
    result = [item for item in found.values() if _matches(prefix, item["id"], item["name"])]
    return JSONResponse({"result": result[cursor : cursor + SUGGEST_LIMIT]})


# -- preview ----------------------------------------------------------------------------------------------
@router.get("/reconcile/preview", summary="An HTML card for one entity (for an iframe)", response_class=HTMLResponse)
async def preview(
    request: Request, engine: EngineDep, id: Annotated[str, Query(max_length=2_000, description="An entity id")]
) -> HTMLResponse:
    index = await current_index(request, engine)
    entry = await run_in_threadpool(index.entry, to_iri(id, index.base))
    if entry is None:
        raise ApiError.not_found(f"no entity {id!r}")
    found = await load_facts(engine, index, [entry.iri], people=entry.kind == "person", lists=True)
    facts = found.get(entry.iri, Facts())
    page = f"{request.base_url}id/{quote(to_id(entry.iri, index.base), safe='/:.-_~')}"
    lines = [f"<p class=d>{html.escape(describe(entry, facts))}</p>"]
    if entry.kind == "person" and facts.coauthors:
        names = ", ".join(html.escape(c.name) for c in facts.coauthors[:5])
        lines.append(f"<p>Co-authors: {names}</p>")
    if facts.papers:
        lines.append(f"<p>Latest: {html.escape(facts.papers[0].name)}</p>")
    externals = index.external.get(entry.iri, [])
    if externals:
        links = " ".join(
            f'<a href="{html.escape(ext)}" target="_blank" rel="noopener">{html.escape(ext)}</a>' for ext in externals
        )
        lines.append(f"<p>{links}</p>")
    body = "\n".join(lines)
    document = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(display_name(entry))}</title>
<style>body{{font:13px/1.35 system-ui,sans-serif;margin:6px;color:#222}}h1{{font-size:15px;margin:0 0 4px}}
p{{margin:2px 0}}.t{{color:#666;font-size:11px;text-transform:uppercase}}.d{{color:#444}}</style></head>
<body><div class=t>{html.escape(TYPES[entry.kind]["name"])}</div>
<h1><a href="{html.escape(page)}" target="_blank" rel="noopener">{html.escape(display_name(entry))}</a></h1>
{body}
</body></html>
"""
    return HTMLResponse(document, headers={"Content-Security-Policy": PREVIEW_CSP})

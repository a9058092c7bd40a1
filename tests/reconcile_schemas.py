"""The Reconciliation API 0.2 JSON Schemas (tests/conformance/reconciliation-0.2/, copied from the W3C
Entity Reconciliation CG's specs repository) in a `referencing.Registry`, every schema keyed by its `$id`."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

FOLDER = Path(__file__).resolve().parent / "conformance" / "reconciliation-0.2"
SCHEMAS = FOLDER / "schemas"
EXAMPLES = FOLDER / "examples"
BASE = "https://reconciliation-api.github.io/specs/0.2/schemas/"

# response kind → schema $id
MANIFEST = BASE + "manifest.json"
QUERY_BATCH = BASE + "reconciliation-query.json"  # reconciliation-query-batch.json declares this $id
RESULT_BATCH = BASE + "reconciliation-result-batch.json"
SUGGEST_ENTITIES = BASE + "suggest-entities-response.json"
SUGGEST_PROPERTIES = BASE + "suggest-properties-response.json"
SUGGEST_TYPES = BASE + "suggest-types-response.json"
EXTEND_QUERY = BASE + "data-extension-query.json"
EXTEND_RESPONSE = BASE + "data-extension-response.json"
PROPERTY_PROPOSAL = "https://reconciliation-api.github.io/specs/draft/schemas/data-extension-property-proposal.json"


@cache
def registry() -> Registry:  # type: ignore[type-arg]
    resources: list[tuple[str, Resource[Any]]] = []
    for path in sorted(SCHEMAS.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource(contents=contents, specification=DRAFT7)
        schema_id = contents["$id"]
        resources.append((schema_id, resource))
        if schema_id.endswith("#"):  # openapi.json: "http://swagger.io/v2/schema.json#"
            resources.append((schema_id.rstrip("#"), resource))
    return Registry().with_resources(resources)


def validator(schema_id: str) -> Draft7Validator:
    schema = registry().contents(schema_id)
    return Draft7Validator(schema, registry=registry())


def errors(schema_id: str, document: object) -> list[str]:
    """Every validation error message (empty when `document` is valid)."""
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator(schema_id).iter_errors(document)]

"""FastAPI dependency aliases: `SettingsDep`, `EngineDep`, `CatalogDep`.

The getters are `async` on purpose: FastAPI runs plain `def` dependencies in its thread pool, a thread hop
per request that cost more CPU than the query itself in the `/sparql` profile.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from scholarkg.loader.settings import Settings
from scholarkg.queries.catalog import StoredQuery, load_catalog
from scholarkg.queries.engine import Engine


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


def get_catalog() -> dict[str, StoredQuery]:
    return load_catalog()


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
CatalogDep = Annotated[dict[str, StoredQuery], Depends(get_catalog)]

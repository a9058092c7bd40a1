"""The one configuration class: every setting also reads `SCHOLARKG_<NAME>` from the environment."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_BASE = "https://w3id.org/scholarkg/"


def _default_store() -> Path:
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "scholarkg" / "store"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCHOLARKG_", extra="ignore")

    store: Path = Field(default_factory=_default_store, description="Oxigraph (RocksDB) store directory")
    base_iri: str = Field(DEFAULT_BASE, description="Base of entity IRIs: {base}id/{kind}/{key}")
    host: str = "127.0.0.1"
    port: int = 8000
    update_token: str | None = Field(None, description="Bearer token for SPARQL Update / GSP writes; unset = read-only")
    query_timeout: float = Field(10.0, gt=0, description="Seconds a query may run before it is stopped")
    max_rows: int = Field(10_000, gt=0, description="Rows a SELECT may return before it is cut")
    max_bytes: int = Field(50_000_000, gt=0, description="Bytes a query response may have before it is cut")
    max_request_bytes: int = Field(10_000_000, gt=0, description="Largest accepted request body")
    query_workers: int = Field(2, ge=1, description="Worker processes that run queries")
    queue_timeout: float = Field(
        5.0, gt=0, description="Seconds a query may wait for a free worker before HTTP 503 `busy` (it never ran)"
    )
    slow_query_seconds: float = Field(
        1.0, gt=0, description="A query text that ran this long is 'slow': it may use only `slow_query_workers`"
    )
    slow_query_workers: int | None = Field(
        None, ge=1, description="Workers slow queries may occupy at once (default: all but one)"
    )
    client_concurrency: int | None = Field(
        None, ge=1, description="Queries one client address may run at once (default: query_workers)"
    )
    load_seeds: bool = Field(True, description="`serve` loads the bundled seeds into an empty store")
    service_allowlist: list[str] = Field(
        default_factory=list, description="Hosts SERVICE / LOAD may reach (empty: none)"
    )

    @field_validator("base_iri")
    @classmethod
    def _base_ends_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_iri must be an http(s) IRI")
        return value if value.endswith(("/", "#")) else value + "/"


@cache
def get_settings() -> Settings:
    return Settings()

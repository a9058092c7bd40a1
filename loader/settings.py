"""The one configuration class: every setting also reads `SCHOLARKG_<NAME>` from the environment."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_BASE = "https://w3id.org/scholarkg/"
REMOTE_SCHEMES = ("sparql+http://", "sparql+https://")


def is_remote(store: object) -> bool:
    """True when a store setting names a SPARQL endpoint (`sparql+http://host:port/path`), not a folder."""
    return isinstance(store, str) and store.startswith(REMOTE_SCHEMES)


def _default_store() -> Path:
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "scholarkg" / "store"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCHOLARKG_", extra="ignore")

    store: Path | str = Field(
        default_factory=_default_store,
        description="Oxigraph (RocksDB) store directory, or a SPARQL endpoint `sparql+http://host:port/path`",
    )
    remote_update_url: str | None = Field(None, description="Remote store: SPARQL Update endpoint (unset: read-only)")
    remote_store_url: str | None = Field(None, description="Remote store: Graph Store Protocol endpoint (for loads)")
    remote_auth: Literal["none", "bearer", "basic", "digest"] = Field(
        "none", description="Remote store: authentication for updates and Graph Store writes"
    )
    remote_user: str | None = Field(None, description="Remote store: user (basic, digest)")
    remote_password: str | None = Field(None, description="Remote store: password (basic, digest)")
    remote_token: str | None = Field(None, description="Remote store: bearer token")
    base_iri: str = Field(DEFAULT_BASE, description="Base of entity IRIs: {base}id/{kind}/{key}")
    host: str = "127.0.0.1"
    port: int = 8000
    update_token: str | None = Field(None, description="Bearer token for SPARQL Update / GSP writes; unset = read-only")
    query_timeout: float = Field(10.0, gt=0, description="Seconds a query may run before it is stopped")
    max_rows: int = Field(10_000, gt=0, description="Rows a SELECT may return before it is cut")
    max_bytes: int = Field(50_000_000, gt=0, description="Bytes a query response may have before it is cut")
    max_request_bytes: int = Field(10_000_000, gt=0, description="Largest accepted request body")
    max_upload_quads: int = Field(2_000_000, gt=0, description="Triples one Graph Store upload may expand to")
    max_upload_parsed_bytes: int = Field(
        200_000_000, gt=0, description="Bytes of terms (N-Triples) one Graph Store upload may expand to"
    )
    max_query_chars: int = Field(1_000_000, gt=0, description="Longest query text (updates: max_request_bytes)")
    max_query_depth: int = Field(64, gt=0, description="Deepest nesting of { ( [ in a query or update text")
    max_request_head_bytes: int = Field(
        65_536, gt=0, description="Largest request line + headers (414 / 431 past it; POST long queries)"
    )
    update_timeout: float = Field(60.0, gt=0, description="Seconds a SPARQL update may run (rehearsed on a copy)")
    max_pending_writes: int = Field(8, gt=0, description="Writes that may wait for the write lock before 503 busy")
    write_wait_timeout: float = Field(30.0, gt=0, description="Seconds a write may wait for the write lock (then 503)")
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
    access_log: bool = Field(
        False, description="`serve` logs every request (uvicorn's access log; ~10% of the CPU of a small /sparql query)"
    )
    small_query_rows: int = Field(
        16,
        ge=0,
        description="One-triple-pattern queries run in the server process up to this many rows (else: a worker)",
    )
    load_seeds: bool = Field(True, description="`serve` loads the bundled seeds into an empty store")
    service_allowlist: list[str] = Field(
        default_factory=list,
        description="Endpoint URLs (scheme, host, port, path prefix) SERVICE / LOAD may reach (empty: none)",
    )
    service_timeout: float = Field(5.0, gt=0, description="Seconds one SERVICE call may take (connect + answer)")
    service_max_rows: int = Field(10_000, gt=0, description="Rows kept from one SERVICE call's answer")
    service_max_bytes: int = Field(20_000_000, gt=0, description="Bytes read from one SERVICE call's answer")

    @field_validator("store", mode="before")
    @classmethod
    def _store_path_or_endpoint(cls, value: object) -> object:
        """An endpoint stays a string (a Path would fold its `//`); anything else is a folder."""
        if isinstance(value, str) and not is_remote(value):
            if value.startswith(("http://", "https://")):
                raise ValueError("a remote store is written sparql+http://host:port/path (the query endpoint)")
            return Path(value)
        return value

    @property
    def remote(self) -> bool:
        return is_remote(self.store)

    @property
    def store_path(self) -> Path:
        """The embedded store's folder (ValueError for a remote store)."""
        if isinstance(self.store, Path):
            return self.store
        raise ValueError(f"{self.store} is a remote store, not a folder")

    @field_validator("service_allowlist")
    @classmethod
    def _allowlist_entries_are_endpoint_urls(cls, value: list[str]) -> list[str]:
        from scholarkg.queries.allowlist import parse_allowlist_entry

        for entry in value:
            parse_allowlist_entry(entry)  # a BadEndpointError (ValueError) names the entry
        return value

    @field_validator("base_iri")
    @classmethod
    def _base_ends_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_iri must be an http(s) IRI")
        return value if value.endswith(("/", "#")) else value + "/"


@cache
def get_settings() -> Settings:
    return Settings()

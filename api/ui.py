"""Placeholder router (being written)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()


async def home_page(request: object) -> object:
    from fastapi.responses import HTMLResponse

    return HTMLResponse("<!doctype html><title>ScholarKG</title><h1>ScholarKG</h1>")

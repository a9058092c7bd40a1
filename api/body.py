"""Request bodies: size-capped reading and content-type parsing."""

from __future__ import annotations

from fastapi import Request

from scholarkg.api.errors import ApiError


def content_type(request: Request) -> tuple[str, str | None]:
    """(media type lower-cased, charset or None) of the request."""
    raw = request.headers.get("content-type", "")
    media, *params = (part.strip() for part in raw.split(";"))
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.lower(), charset


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError.too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError.too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def decode_utf8(data: bytes, charset: str | None) -> str:
    if charset not in (None, "utf-8", "utf8"):
        raise ApiError(415, "unsupported-charset", f"charset {charset!r} is not supported; send UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(415, "unsupported-charset", "the body is not valid UTF-8") from None

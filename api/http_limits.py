"""HTTP/1.1 request heads past the size limit get an answer, not a reset: 414 for a request line (a 1 MB query
parameter), 431 for the header block (10,000 headers).

`BoundedHttpToolsProtocol` is uvicorn's httptools protocol (several times cheaper per request than its h11
one, see bench/README.md) with a bound on the request head: httptools itself accepts a head of any size and
buffers it. The protocol counts the bytes of a head still being received; past the limit it answers 414 (still
in the request line) or 431 (in the headers), shuts down its sending side and discards what the client still
sends for a short while before closing, so the answer arrives instead of a connection reset. A head that
arrived whole within one read (a read is at most a few hundred KB) is checked by `HeadLimitMiddleware`.

It also sends a small response in one write: uvicorn writes the status line and headers, then the body, as two
socket writes (two packets, two wake-ups of the client); `_OneWrite` holds the head until the body comes in
the same event-loop step.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DRAIN_SECONDS = 2.0
_BODIES = {
    414: b'{"error":{"status":414,"code":"uri-too-long","message":"the request line is longer than %d bytes; '
    b'send long queries in a POST body"}}',
    431: b'{"error":{"status":431,"code":"headers-too-large","message":"the request headers are larger than '
    b'%d bytes"}}',
    400: b'{"error":{"status":400,"code":"bad-request","message":"invalid HTTP request"}}',
}
_REASONS = {414: b"URI Too Long", 431: b"Request Header Fields Too Large", 400: b"Bad Request"}


def head_status(buffer: bytes, limit: int) -> int:
    """414 when the request line alone is past the limit, 431 when the headers are, else 400."""
    if len(buffer) <= limit:
        return 400
    line_end = buffer.find(b"\n", 0, limit + 1)
    return 414 if line_end < 0 else 431


def error_answer(status: int, limit: int) -> bytes:
    """A whole HTTP/1.1 response (JSON error body, `Connection: close`) for a refused request head."""
    body = _BODIES[status] % limit if status != 400 else _BODIES[400]
    head = b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
    return head % (status, _REASONS[status], len(body)) + body


_JOIN_BYTES = 65_536  # bodies up to this size are joined to their head (a larger one is not copied)


class _OneWrite:
    """The response cycle's view of the transport: a response head waits for its body (at most until the end of
    the current event-loop step), so head and a small body leave in one write. `100 Continue` is not held."""

    __slots__ = ("_head", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._head: bytes | None = None

    def write(self, data: bytes) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            if len(data) <= _JOIN_BYTES:
                self._transport.write(head + data)
                return
            self._transport.write(head)
        elif data.startswith(b"HTTP/1.1 ") and data[9:10] != b"1":
            self._head = data
            self._loop.call_soon(self.flush)
            return
        self._transport.write(data)

    def flush(self) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            if not self._transport.is_closing():
                self._transport.write(head)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with 414/431 answers for oversized request heads (see the module docstring).

    `head_limit` is set by `bounded_protocol(limit)`."""

    head_limit = 65_536
    _draining = False
    _in_head = False  # between the first byte of a request and the end of its headers
    _head_bytes = 0  # an upper bound on the bytes of the head being received
    _body_bytes = 0  # body bytes parsed during the current read

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()
        if self.cycle is not None and self.cycle.scope is self.scope:  # the cycle made for this request
            self.cycle.transport = self._one_write  # type: ignore[assignment]

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._one_write = _OneWrite(transport, self.loop)

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        super().on_body(body)

    def data_received(self, data: bytes) -> None:
        if self._draining:
            return  # the answer is sent; discard the rest of the oversized request
        was_in_head, self._body_bytes = self._in_head, 0
        super().data_received(data)
        if not self._in_head or self.transport.is_closing():
            return
        if was_in_head:
            self._head_bytes += len(data)
        else:  # the head began in this read: it follows the previous message's body and has no blank line
            blank = data.rfind(b"\r\n\r\n")
            after_blank = len(data) - blank - 4 if blank >= 0 else len(data)
            self._head_bytes = min(len(data) - self._body_bytes, after_blank)
        if self._head_bytes > self.head_limit:
            # llhttp hands the URL over as it arrives: a request line alone past the limit is a 414.
            self._refuse(414 if len(self.url) + len(b"OPTIONS  HTTP/1.1") > self.head_limit else 431)

    def _refuse(self, status: int) -> None:
        self.transport.write(error_answer(status, self.head_limit))
        self._draining = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(DRAIN_SECONDS, self._close)

    def _close(self, *_: Any) -> None:
        if not self.transport.is_closing():
            self.transport.close()


def bounded_protocol(limit: int) -> type[BoundedHttpToolsProtocol]:
    """The protocol class for uvicorn's `http=` with request heads bounded at `limit` bytes."""
    return type("BoundedHttpToolsProtocol", (BoundedHttpToolsProtocol,), {"head_limit": limit})


class HeadLimitMiddleware:
    """The same bounds for request heads that arrived whole (the protocol counts only heads still incomplete):
    a request line (path + query) longer than `limit` bytes is a 414, a line and headers together larger than
    `limit` bytes a 431."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            line = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
            headers = sum(len(name) + len(value) + 4 for name, value in scope.get("headers") or ())
            status = 414 if line > self.limit else 431 if line + headers > self.limit else 0
            if status:
                body = _BODIES[status] % self.limit
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

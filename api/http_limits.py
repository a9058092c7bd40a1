"""HTTP/1.1 request heads past the size limit get an answer, not a reset: 414 for a request line (a 1 MB query
parameter), 431 for the header block (10,000 headers).

uvicorn's h11 protocol stops reading a request head at `h11_max_incomplete_event_size` bytes and answers a bare
400, then closes the socket while the client is still sending — so the client sees a connection reset. This
protocol tells the two cases apart from h11's receive buffer, answers with the right status, shuts down its
sending side and discards what the client still sends for a short while before closing, so the answer arrives.
"""

from __future__ import annotations

from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

DRAIN_SECONDS = 2.0
_BODIES = {
    414: b'{"error":{"status":414,"code":"uri-too-long","message":"the request line is longer than %d bytes; '
    b'send long queries in a POST body"}}',
    431: b'{"error":{"status":431,"code":"headers-too-large","message":"the request headers are larger than '
    b'%d bytes"}}',
    400: b'{"error":{"status":400,"code":"bad-request","message":"invalid HTTP request"}}',
}


def head_status(buffer: bytes, limit: int) -> int:
    """414 when the request line alone is past the limit, 431 when the headers are, else 400."""
    if len(buffer) <= limit:
        return 400
    line_end = buffer.find(b"\n", 0, limit + 1)
    return 414 if line_end < 0 else 431


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with 414/431 answers for oversized request heads (see the module docstring)."""

    _draining = False

    def data_received(self, data: bytes) -> None:
        if self._draining:
            return  # the answer is sent; discard the rest of the oversized request
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        limit = self.conn._max_incomplete_event_size
        buffered, _ = self.conn.trailing_data
        status = head_status(buffered, limit)
        body = _BODIES[status] % limit if status != 400 else _BODIES[400]
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        conn = h11.Connection(h11.SERVER)  # a fresh state machine: the request's own one is in ERROR
        conn.receive_data(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        conn.next_event()
        output = conn.send(h11.Response(status_code=status, headers=headers))
        output += conn.send(h11.Data(data=body)) or b""
        output += conn.send(h11.EndOfMessage()) or b""
        self.transport.write(output)
        self._draining = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(DRAIN_SECONDS, self._close)

    def _close(self, *_: Any) -> None:
        if not self.transport.is_closing():
            self.transport.close()


class HeadLimitMiddleware:
    """The same bounds for request heads that arrived whole (h11 checks only heads still incomplete): a request
    line (path + query) longer than `limit` bytes is a 414, a header block larger than `limit` bytes is a 431."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            line = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
            headers = sum(len(name) + len(value) + 4 for name, value in scope.get("headers") or ())
            status = 414 if line > self.limit else 431 if headers > self.limit else 0
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

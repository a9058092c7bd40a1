"""Allow-list entries for SERVICE / LOAD: endpoint URLs (scheme, host, port, path prefix), not host names.

`https://query.wikidata.org/sparql` allows exactly that scheme, host and port (443 implied) and the paths
`/sparql` and `/sparql/…`; `http://127.0.0.1:7878/` allows every path on that one port. A bare host name
(`query.wikidata.org`) is refused when the settings load: it would allow every port and scheme of the host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
_DOT_SEGMENT = re.compile(r"(?:^|/)\.{1,2}(?:/|$)")


class BadEndpointError(ValueError):
    """A URL that cannot be an allow-list entry or an allowed target."""


@dataclass(frozen=True)
class Endpoint:
    scheme: str
    host: str
    port: int
    path: str  # the path prefix ('/' allows every path)

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}{self.path}"

    def allows(self, target: Endpoint) -> bool:
        if (target.scheme, target.host, target.port) != (self.scheme, self.host, self.port):
            return False
        prefix = self.path
        return target.path == prefix or target.path.startswith(prefix if prefix.endswith("/") else prefix + "/")


def parse_endpoint(url: str) -> Endpoint:
    """Split an absolute http(s) URL into its parts; anything ambiguous is a BadEndpointError.

    Refused: other schemes, user info (`http://a@b/`), backslashes, control characters and spaces, an empty
    or percent-encoded host, and dot segments (`/a/../b`, also as `%2e`) that an HTTP client would collapse.
    """
    if re.search(r"[\x00-\x20\x7f\\]", url):
        raise BadEndpointError(f"{url!r} contains spaces, control characters or backslashes")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise BadEndpointError(f"{url!r} is not an http(s) URL")
    if "@" in parts.netloc:
        raise BadEndpointError(f"{url!r} has user info")
    host = (parts.hostname or "").lower()
    if not host or "%" in parts.netloc:
        raise BadEndpointError(f"{url!r} has no usable host")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        raise BadEndpointError(f"{url!r} has an invalid port") from None
    path = parts.path or "/"
    if _DOT_SEGMENT.search(unquote(path)):
        raise BadEndpointError(f"{url!r} has '.' or '..' path segments")
    return Endpoint(scheme, host, port, path)


def parse_allowlist_entry(entry: str) -> Endpoint:
    """An allow-list entry: an endpoint URL without query or fragment."""
    if "://" not in entry:
        raise BadEndpointError(
            f"allow-list entry {entry!r} is not an endpoint URL; write scheme, host, port and path, "
            f"e.g. 'https://{entry.strip('/') or 'host'}/sparql'"
        )
    parts = urlsplit(entry)
    if parts.query or parts.fragment:
        raise BadEndpointError(f"allow-list entry {entry!r} must not have a query or fragment")
    return parse_endpoint(entry)

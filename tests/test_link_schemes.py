"""api/link_schemes.py and the `href` filter: only http(s) and mailto IRIs (and our own entity paths) become links."""

from __future__ import annotations

import pytest

from scholarkg.api.link_schemes import is_linkable
from scholarkg.api.ui import local_href

BASE = "https://w3id.org/scholarkg/"


@pytest.mark.parametrize(
    ("iri", "href"),
    [
        ("https://example.org/a", "https://example.org/a"),
        ("HTTP://example.org/a", "HTTP://example.org/a"),
        ("mailto:a@example.org", "mailto:a@example.org"),
        (f"{BASE}id/person/x", "/id/person/x"),
        ("javascript:alert(1)", ""),
        ("JavaScript:alert(1)", ""),
        ("data:text/html,<b>x</b>", ""),
        ("vbscript:x", ""),
        ("file:///etc/passwd", ""),
        ("urn:isbn:1", ""),
        ("https://example.org/a\nb", ""),
    ],
)
def test_only_http_and_mailto_are_links(iri: str, href: str) -> None:
    assert local_href(iri, BASE) == href
    assert is_linkable(iri) == (href != "")

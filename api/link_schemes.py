"""Which IRIs the HTML pages may render as links: http(s) and mailto only (and our own `/id/…` paths).

Anything else — `javascript:`, `data:`, `vbscript:`, `file:`, relative references — is shown as text: an IRI in
the store is data that anyone with the update token (or a loaded page) may have written.
"""

from __future__ import annotations

import re

_LINKABLE = re.compile(r"(?:https?://|mailto:)[^\s\x00-\x1f\x7f]*\Z", re.IGNORECASE)


def is_linkable(iri: object) -> bool:
    return isinstance(iri, str) and _LINKABLE.match(iri) is not None

"""Author names as printed: `Yao Lu 0006` carries a dblp homonym number."""

from __future__ import annotations

import re

from scholarkg.loader.records import AuthorName
from scholarkg.loader.text import collapse

_HOMONYM = re.compile(r"^(?P<name>.*\S) (?P<number>\d{4})$")


def author_name(printed: str) -> AuthorName:
    text = collapse(printed)
    match = _HOMONYM.match(text)
    if match:
        return AuthorName(printed=text, name=match["name"], homonym=match["number"])
    return AuthorName(printed=text, name=text)

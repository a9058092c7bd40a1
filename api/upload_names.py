"""File names of uploaded pages: refuse the unusable ones before anything is stored.

A name becomes the page's source key (`loader.identity.source_key`) and is shown back by `sources`, so it must
be one unambiguous string: not empty, no control characters (NUL, CR, LF, …), no path separators or leading
dot, at most 255 bytes of UTF-8, in Unicode NFC (so `é` typed two ways is one name), and — when it came
percent-encoded in the URL — made of escapes that decode as UTF-8 (`%FF%FE.txt` and `%C0%AF.txt` would both
turn into `��.txt`).
"""

from __future__ import annotations

import unicodedata
from urllib.parse import parse_qsl

MAX_NAME_BYTES = 255


class BadNameError(ValueError):
    """An upload name that cannot name a source page."""


def raw_parameter(query_string: bytes, parameter: str) -> str | None:
    """The parameter's value decoded strictly (undecodable percent-escapes are a BadNameError)."""
    try:
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise BadNameError(
            f"{parameter!r} has percent-escapes that are not UTF-8 (e.g. %FF); send the name UTF-8 encoded"
        ) from None
    values = [value for key, value in pairs if key == parameter]
    return values[0] if values else None


def check_name(name: str) -> str:
    """`name` when it can name a page, else a BadNameError saying why."""
    if not name.strip():
        raise BadNameError("the name is empty")
    bad = next((c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") or c == "\ufffd"), None)
    if bad is not None:
        raise BadNameError(
            f"the name contains the character U+{ord(bad):04X}; control and unassigned characters are refused"
        )
    if "/" in name or "\\" in name or name.startswith("."):
        raise BadNameError("the name must be a plain file name (no '/', '\\' or leading '.')")
    if name != name.strip():
        raise BadNameError("the name must not start or end with white space")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise BadNameError(f"the name is longer than {MAX_NAME_BYTES} bytes")
    if unicodedata.normalize("NFC", name) != name:
        raise BadNameError("the name is not in Unicode NFC; send it normalized (NFC)")
    return name

"""Text normalisation shared by parsing and identity."""

from __future__ import annotations

import re
import unicodedata

from pyoxigraph import NamedNode

_SPACE = re.compile(r"\s+")
_SLUG_DROP = re.compile(r"[^a-z0-9]+")
_URL = re.compile(r"""(?:https?://|(?<![\w./])(?=(?:www\.)?github\.com/))[^\s<>"'{}\\^`|]+""")
_BROKEN_URL = re.compile(
    r"\b(?P<scheme>[Hh][Tt][Tt][Pp][Ss]?) ?: ?/ ?/ ?(?P<host>[A-Za-z0-9][A-Za-z0-9-]*(?:\. ?[a-z0-9][a-z0-9-]*)+)(?=/)"
)
CODE_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "sourceforge.net"})
_TRAILING = ".,;:)]}"


def collapse(text: str) -> str:
    """Unicode NFC with every run of whitespace collapsed to one space, trimmed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def normalize_key(text: str) -> str:
    """Identity key: NFC, case-folded, whitespace collapsed."""
    return collapse(unicodedata.normalize("NFC", collapse(text).casefold()))


def slugify(text: str, max_length: int = 60) -> str:
    """ASCII slug for readable IRIs (not an identity on its own)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = _SLUG_DROP.sub("-", ascii_text).strip("-")
    return slug[:max_length].rstrip("-") or "x"


def repair_pdf_urls(text: str) -> str:
    """Undo the spaces PDF text extraction puts into URLs: `https: //github. com/a/b` → `https://github.com/a/b`.

    Only a scheme followed by a host whose labels may be split after their dots (`github. com`), and then a
    path, is rewritten; a label after a split must start in lower case, so a sentence after a full stop
    (`https: //example. The …`) is never glued onto a host. Used on a copy of the text for link extraction:
    the literal stays as printed.
    """
    return _BROKEN_URL.sub(lambda m: f"{m['scheme'].lower()}://{_SPACE.sub('', m['host'])}", text)


def find_urls(text: str) -> tuple[str, ...]:
    """URLs in free text (scheme-less `github.com/...` too), punctuation trimmed, in order, no repeats.

    URLs split by PDF text extraction are repaired first (`repair_pdf_urls`).
    """
    found: dict[str, None] = {}  # ordered, and a membership test in O(1): a list made this quadratic in URLs
    for match in _URL.finditer(repair_pdf_urls(text)):
        url = match.group(0)
        while url and url[-1] in _TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        if "://" not in url:
            url = "https://" + url
        if url.endswith(".git"):
            url = url[: -len(".git")]
        if url not in found and "." in url.split("://", 1)[1]:
            found[url] = None
    return tuple(found)


def _is_iri(url: str) -> bool:
    try:
        NamedNode(url)
    except ValueError:  # e.g. `%zz` or `[` in the path: not storable as schema:codeRepository
        return False
    return True


def find_code_repositories(text: str) -> tuple[str, ...]:
    """Repository URLs (an owner and a name on a known code host, a valid IRI) among the URLs in `text`."""
    repos: list[str] = []
    for url in find_urls(text):
        if not _is_iri(url):
            continue
        host, _, path = url.split("://", 1)[1].partition("/")
        host = host.lower().removeprefix("www.")
        if host in CODE_HOSTS and len([part for part in path.split("/") if part]) >= 2:
            repos.append(url)
    return tuple(repos)

"""Validate a parsed page's records — bounds and shapes, not only structure — before any triple is made.

A page whose structure parses can still be broken: a deleted line shifts an abstract into the author names,
a duplicated entry header lands inside a title, an edit leaves two names merged or an author listed twice.
Each rule below refuses such a page with a PageError naming file:line (the loader then leaves the store as it
was). The bounds are far above anything on the seed pages and far below what the breakages produce.

Errors (the page is refused):
- a person name: empty, longer than `MAX_NAME_CHARS` characters or `MAX_NAME_WORDS` words, or with characters
  no name has (digits other than a dblp homonym number, `,;:()[]{}<>|@#$%^*=+/\\?!"`, sentence punctuation);
- a title: longer than `MAX_TITLE_CHARS` characters or starting like an entry header (`LGApr 1, 2022`);
- a title or abstract that is the same text twice (a duplicated line) or has an entry header inside;
- an organisation identifier that is not a slug (`[a-z0-9]+(-[a-z0-9]+)*`, at most `MAX_SLUG_CHARS`);
- a date or year before `MIN_YEAR` or after the retrieval year + 1;
- the same author twice in one entry's list;
- a declared count that disagrees with the page ("N Papers" vs its entries — a profile lists at most its
  first 50 — which also catches a page that ends inside an entry; an entry's author count smaller than the
  names it lists).
Control characters are handled on the text (`pages.decode_source`): tab becomes a space, format characters
(zero-width space, soft hyphen, …) are removed, every other control character is an error naming its line.
"""

from __future__ import annotations

import re

from scholarkg.loader.errors import PageError
from scholarkg.loader.records import AuthorName, Entry, Page

MAX_NAME_CHARS = 80
MAX_NAME_WORDS = 7
MAX_TITLE_CHARS = 400
MAX_SLUG_CHARS = 80
MIN_YEAR = 1900
PROFILE_PAGE_SIZE = 50
_NAME_FORBIDDEN = re.compile(r"[0-9,;:()\[\]{}<>|@#$%^*=+/\\?!\"…]")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_HEADER_INSIDE = re.compile(
    r"\b[A-Z][A-Z-]{0,12}(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}, \d{4}\b"
)
_ENTRY_HEADER = re.compile(r"^[A-Z][A-Z-]{0,12}(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}\b")


def _repeated(text: str) -> bool:
    """The same words two or more times over (a line duplicated into a multi-line field)."""
    words = text.split()
    n = len(words)
    return n >= 2 and any(n % k == 0 and words == words[: n // k] * k for k in range(2, min(n, 8) + 1))


def _check_name(author: AuthorName, label: str, line: int | None, what: str) -> None:
    name = author.name
    problem = None
    if not name.strip():
        problem = "is empty"
    elif len(name) > MAX_NAME_CHARS:
        problem = f"has {len(name)} characters (at most {MAX_NAME_CHARS})"
    elif len(name.split()) > MAX_NAME_WORDS:
        problem = f"has {len(name.split())} words (at most {MAX_NAME_WORDS})"
    elif _NAME_FORBIDDEN.search(name):
        problem = f"contains {_NAME_FORBIDDEN.search(name)[0]!r}, which no name has"  # type: ignore[index]
    elif name.endswith(".") and len(name.split()[-1]) > 3:
        problem = "ends like a sentence"
    if problem:
        raise PageError(label, f"{what} {name[:60]!r} {problem}: is a line missing or out of place?", line)


def _check_entry(entry: Entry, label: str, max_year: int) -> None:
    line = entry.line
    if len(entry.title) > MAX_TITLE_CHARS:
        raise PageError(
            label, f"title has {len(entry.title)} characters (at most {MAX_TITLE_CHARS}): is this an abstract?", line
        )
    for field, text in (("title", entry.title), ("abstract", entry.abstract or "")):
        if _repeated(text):
            raise PageError(label, f"{field} {text[:40]!r}… repeats itself: a duplicated line?", line)
    for field, text in (("title", entry.title), ("abstract", entry.abstract or "")):
        glued = _HEADER_INSIDE.search(text)
        if glued is not None:
            raise PageError(label, f"{field} contains an entry header {glued[0]!r}: a line out of place?", line)
    if _ENTRY_HEADER.match(entry.title):
        raise PageError(label, f"title {entry.title[:40]!r} starts like an entry header: a duplicated line?", line)
    seen: set[str] = set()
    for author in entry.authors:
        _check_name(author, label, line, "author name")
        if author.printed in seen:
            raise PageError(label, f"author {author.printed!r} is listed twice in one entry", line)
        seen.add(author.printed)
    if entry.author_count is not None and entry.author_count < len(entry.authors):
        raise PageError(
            label, f"the entry says {entry.author_count} authors but lists {len(entry.authors)} names", line
        )
    for slug in entry.organizations:
        if len(slug) > MAX_SLUG_CHARS or not _SLUG.fullmatch(slug):
            raise PageError(label, f"organisation {slug[:60]!r} is not an identifier like 'eth-zurich'", line)
    years = [y for y in (entry.year, entry.published.year if entry.published else None) if y is not None]
    for year in years:
        if not MIN_YEAR <= year <= max_year:
            raise PageError(label, f"year {year} is outside {MIN_YEAR}–{max_year}", line)


def check_page(page: Page, label: str, retrieval_year: int) -> Page:
    """`page` when every record is plausible, else a PageError naming file:line."""
    if page.owner is not None:
        _check_name(page.owner, label, 1, "page owner")
    if page.declared_paper_count is not None:
        shown = page.declared_paper_count
        if page.format == "author-profile":
            shown = min(shown, PROFILE_PAGE_SIZE)  # a profile page lists at most its first 50 papers
        if shown != len(page.entries):
            raise PageError(
                label,
                f"the page says {page.declared_paper_count} papers (so {shown} listed) but has "
                f"{len(page.entries)} entries: "
                "an entry is missing, duplicated, or the page ends inside one",
                page.entries[-1].line if page.entries else None,
            )
    for entry in page.entries:
        _check_entry(entry, label, retrieval_year + 1)
    return page


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FORMAT = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb]"
)


def clean_text(text: str, label: str) -> str:
    """Tabs become spaces, format characters (zero-width and bidi controls, soft hyphen, BOM) are removed; any
    other control character (C0 but tab/LF/CR, DEL, C1) is a PageError naming its line. Linear, in C."""
    bad = _CONTROL.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        raise PageError(label, f"control character U+{ord(bad[0]):04X} in the page", line)
    return _FORMAT.sub("", text.replace("\t", " "))

"""Validate a page's text, its blocks and its records — bounds and shapes, not only structure — before any triple
is made.

A page whose structure parses can still be broken: a deleted line shifts an abstract into the author names,
a duplicated entry header lands inside a title, a duplicated author line merges two names, an edit leaves an
author listed twice. Each rule below refuses such a page with a PageError naming file:line (the loader then
leaves the store as it was). The bounds are far above anything on the seed pages and far below what the
breakages produce. Every check is linear in the page.

The text (`clean_text`, before parsing):
- CRLF line ends become LF; tabs and spaces at either end of a line are layout and are dropped with the rest of
  that whitespace; format characters (zero-width space and joiners, bidi controls, soft hyphen, BOM) are removed;
- every other control character is an error naming its line: C0 (NUL, BEL, ESC, …, a lone CR, a tab between
  two words of a line), DEL, C1 (NEL, …), and the Unicode line/paragraph separators U+2028/U+2029;
- at most `MAX_LINES` lines and `MAX_LINE_CHARS` characters per line.

The blocks (`check_block`, called by the parsers): a one-line field (title, author line) must be one line; no line
of a block may repeat the line before it; no line of a title or abstract may look like a structural line of the
format (an entry header, a venue line, a bullet).

The records (`check_page`, after parsing):
- a person name: empty, longer than `MAX_NAME_CHARS` characters or `MAX_NAME_WORDS` words, with characters no
  name has (digits other than a dblp homonym number, `,;:()[]{}<>|@#$%^*=+/\\?!"…`), ending like a sentence,
  or with more than `MAX_LOWERCASE_WORDS` words in lower case and fewer than two capitalised (`danah boyd`,
  `Maria de los Angeles de la Cruz` are names; `and the model learns` is not);
- a title: longer than `MAX_TITLE_CHARS` characters, starting like an entry header (`LGApr 1, 2022`), or the
  same text twice over;
- an organisation identifier that is not a slug (`[a-z0-9]+(-[a-z0-9]+)*`, at most `MAX_SLUG_CHARS`);
- a date or year before `MIN_YEAR` or after the retrieval year + 1;
- the same author twice in one entry's list;
- a declared count that disagrees with the page ("N Papers" vs its entries — a profile lists all, or only its
  first 50 of more — which also catches a page that ends inside an entry; an entry's author count smaller than the
  names it lists);
- on an author-cluster page, an author list shown in full (fewer than eight names) that lacks the cluster's
  own name (the page groups exact name matches, so a full list without it lost a line).
Caps (`PageBudget`, counted while parsing): at most `MAX_ENTRIES` entries and `MAX_NAMES` author names per page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scholarkg.loader.blocks import Block
from scholarkg.loader.errors import PageError
from scholarkg.loader.records import AuthorName, Entry, Page
from scholarkg.loader.text import normalize_key

MAX_NAME_CHARS = 80
MAX_NAME_WORDS = 7
MAX_LOWERCASE_WORDS = 2
MAX_TITLE_CHARS = 400
MAX_SLUG_CHARS = 80
MIN_YEAR = 1900
PROFILE_PAGE_SIZE = 50
CLUSTER_SHOWN_AUTHORS = 8
# Per-page caps: loading costs about 1 ms and 35 KB per author name on the embedded store (one transaction per
# page), so a page may hold at most this much. The seeds hold at most 61 entries, 420 names, 2,263-char lines.
MAX_LINES = 100_000
MAX_LINE_CHARS = 20_000
MAX_ENTRIES = 2_000
MAX_NAMES = 10_000

_NAME_FORBIDDEN = re.compile(r"[0-9,;:()\[\]{}<>|@#$%^*=+/\\?!\"…•·]")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_HEADER_INSIDE = re.compile(rf"\b(?:\d+(?:\.\d+)?)?[A-Z][A-Z-]{{0,12}}{_MONTH} \d{{1,2}}(?:, \d{{4}})?(?:Code)?\b")
_ENTRY_HEADER = re.compile(rf"^(?:\d+(?:\.\d+)?)?[A-Z][A-Z-]{{0,12}}{_MONTH} \d{{1,2}}\b")


class PageBudget:
    """Counts entries and author names while a parser reads a page; past a cap, a PageError naming the limit."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.entries = 0
        self.names = 0

    def entry(self, line: int) -> None:
        self.entries += 1
        if self.entries > MAX_ENTRIES:
            raise PageError(self.label, f"page has more than {MAX_ENTRIES} entries (the per-page limit)", line)

    def add_names(self, count: int, line: int) -> None:
        """Called before the names are built, so a page far over the cap costs nothing more."""
        self.names += count
        if self.names > MAX_NAMES:
            raise PageError(self.label, f"page has more than {MAX_NAMES} author names (the per-page limit)", line)


def check_block(
    block: Block,
    label: str,
    what: str,
    *,
    one_line: bool = False,
    forbidden: Iterable[tuple[re.Pattern[str], str]] = (),
) -> None:
    """Shape of one block the parser is about to read as `what` (a title, an author line, an abstract…)."""
    patterns = tuple(forbidden)
    previous: str | None = None
    for line in block:
        text = line.text.strip()
        if text == previous:
            raise PageError(label, f"the {what} repeats its line {text[:40]!r}: a duplicated line?", line.number)
        previous = text
        for pattern, looks_like in patterns:
            if pattern.match(text):
                raise PageError(
                    label, f"the {what} has a line that looks like {looks_like}: {text[:40]!r}", line.number
                )
    if one_line and len(block) > 1:
        raise PageError(
            label,
            f"the {what} spans {len(block)} lines (one expected): a blank line missing or a line duplicated?",
            block[1].number,
        )


def _repeated(text: str) -> bool:
    """The same words two or more times over (a line duplicated into a multi-line field)."""
    words = text.split()
    n = len(words)
    return n >= 2 and any(n % k == 0 and words == words[: n // k] * k for k in range(2, min(n, 8) + 1))


def _check_name(author: AuthorName, label: str, line: int | None, what: str) -> None:
    name = author.name
    words = name.split()
    problem = None
    forbidden = _NAME_FORBIDDEN.search(name)
    if not words:
        problem = "is empty"
    elif len(name) > MAX_NAME_CHARS:
        problem = f"has {len(name)} characters (at most {MAX_NAME_CHARS})"
    elif len(words) > MAX_NAME_WORDS:
        problem = f"has {len(words)} words (at most {MAX_NAME_WORDS})"
    elif forbidden is not None:
        problem = f"contains {forbidden[0]!r}, which no name has"
    elif name.endswith(".") and len(words[-1]) > 3:
        problem = "ends like a sentence"
    elif (lower := sum(1 for word in words if word[0].islower())) > MAX_LOWERCASE_WORDS and len(words) - lower < 2:
        problem = "is mostly words in lower case, like a sentence"
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
    glued = _HEADER_INSIDE.search(entry.title)
    if glued is not None:
        raise PageError(label, f"title contains an entry header {glued[0]!r}: a line out of place?", line)
    if _ENTRY_HEADER.match(entry.title):
        raise PageError(label, f"title {entry.title[:40]!r} starts like an entry header: a duplicated line?", line)
    seen: set[str] = set()
    for author in entry.authors:
        _check_name(author, label, line, "author name")
        key = normalize_key(author.printed)
        if key in seen:
            raise PageError(label, f"author {author.printed!r} is listed twice in one entry", line)
        seen.add(key)
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
    declared = page.declared_paper_count
    if declared is not None:
        # A profile lists all its papers, or (as the site does) only the first 50 of more.
        paginated = page.format == "author-profile" and declared > PROFILE_PAGE_SIZE
        if len(page.entries) != declared and not (paginated and len(page.entries) == PROFILE_PAGE_SIZE):
            listed = f"{declared} or {PROFILE_PAGE_SIZE}" if paginated else f"{declared}"
            raise PageError(
                label,
                f"the page says {declared} papers (so {listed} listed) but has {len(page.entries)} entries: "
                "an entry is missing, duplicated, or the page ends inside one",
                page.entries[-1].line if page.entries else None,
            )
    for entry in page.entries:
        _check_entry(entry, label, retrieval_year + 1)
    if page.format == "author-cluster" and page.owner is not None:
        owner = normalize_key(page.owner.name)
        for entry in page.entries:
            shown_in_full = len(entry.authors) < CLUSTER_SHOWN_AUTHORS
            if shown_in_full and all(normalize_key(a.name) != owner for a in entry.authors):
                raise PageError(
                    label,
                    f"the entry lists {len(entry.authors)} names in full but not the cluster's {page.owner.name!r}: "
                    "a name line is missing?",
                    entry.line,
                )
    return page


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_FORMAT = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb]"
)


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def clean_text(text: str, label: str) -> str:
    """The page text with CRLF as LF, edge tabs as spaces and format characters removed; a PageError naming the
    line for any other control character, a tab inside a line, or a page or line over the caps. Linear, in C."""
    text = text.replace("\r\n", "\n")
    lines = text.count("\n") + 1
    if lines > MAX_LINES:
        raise PageError(label, f"page has {lines} lines, more than the {MAX_LINES} allowed", MAX_LINES + 1)
    lengths = [len(line) for line in text.split("\n")]
    if max(lengths) > MAX_LINE_CHARS:
        number = next(n for n, length in enumerate(lengths, start=1) if length > MAX_LINE_CHARS)
        raise PageError(
            label, f"line has {lengths[number - 1]} characters, more than the {MAX_LINE_CHARS} allowed", number
        )
    bad = _CONTROL.search(text)
    if bad is not None:
        raise PageError(label, f"control character U+{ord(bad[0]):04X} in the page", _line_of(text, bad.start()))
    if "\t" in text:
        for number, line in enumerate(text.split("\n"), start=1):
            if "\t" in line.strip():
                raise PageError(label, "a tab inside a line (tabs are allowed only as indentation)", number)
        text = text.replace("\t", " ")
    return _FORMAT.sub("", text)

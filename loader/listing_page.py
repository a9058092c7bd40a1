"""Daily-papers listing pages (seed 002).

Daily Papers / byAK and the research community / Jan 29      heading with the listing date
Splitwise: Efficient generative LLM inference ...           title
Recent innovations in generative ...                        abstract (optional)
  • 7 authors / · / Nov 30, 2023 [upvotes]                   author count, date, upvotes
"""

from __future__ import annotations

import datetime as dt
import re

from scholarkg.loader.blocks import Block, BlockCursor, split_blocks
from scholarkg.loader.dates import DATE_PATTERN, parse_date
from scholarkg.loader.errors import PageError
from scholarkg.loader.record_checks import PageBudget, check_block
from scholarkg.loader.records import Entry, Page
from scholarkg.loader.text import collapse, find_code_repositories

HEADING = "Daily Papers"
_BULLET = "•"
_AUTHOR_COUNT = re.compile(r"^•\s*(\d+) authors?$")
_DATE_LINE = re.compile(rf"^(?P<date>{DATE_PATTERN})(?: (?P<upvotes>\d+))?$")
_STRUCTURE = (
    (re.compile(_BULLET), "the '• N authors' line"),
    (re.compile(r"·$"), "the '·' separator"),
    (_DATE_LINE, "a date line"),
)


def looks_like(blocks: list[Block]) -> bool:
    return any(len(block) == 1 and block[0].text.strip() == HEADING for block in blocks[:8])


def _is_stats(block: Block) -> bool:
    return block[0].text.strip().startswith(_BULLET)


def parse_listing(text: str, source: str, as_of: dt.date) -> Page:
    cursor = BlockCursor(split_blocks(text))
    listing_date: dt.date | None = None
    while True:
        block = cursor.take()
        if block is None:
            raise PageError(source, f"no '{HEADING}' heading", 1)
        if block[0].text.strip() == HEADING:
            break
    # After the heading: byline blocks, then the listing date on a line of its own.
    while listing_date is None:
        block = cursor.take()
        if block is None:
            raise PageError(source, "listing ends before its date line", cursor.last_line())
        candidate = block[0].text.strip()
        if len(block) == 1 and re.fullmatch(DATE_PATTERN, candidate):
            listing_date = _date(candidate, source, block[0].number, as_of)
        elif len(block) > 1 or block[0].number > 40:
            raise PageError(source, "expected the listing date (e.g. 'Jan 29')", block[0].number)

    entries: list[Entry] = []
    budget = PageBudget(source)
    while not cursor.done:
        title_block = cursor.take()
        assert title_block is not None
        budget.entry(title_block[0].number)
        entries.append(_entry(title_block, cursor, source, as_of, index=len(entries) + 1))
    if not entries:
        raise PageError(source, "listing has no papers", cursor.last_line())
    return Page(format="daily-papers", listing_date=listing_date, entries=tuple(entries))


def _date(text: str, source: str, line: int, as_of: dt.date) -> dt.date:
    try:
        return parse_date(text, as_of)
    except ValueError as error:
        raise PageError(source, str(error), line) from None


def _entry(title_block: Block, cursor: BlockCursor, source: str, as_of: dt.date, index: int) -> Entry:
    if _is_stats(title_block):
        raise PageError(source, "author count without a title before it", title_block[0].number)
    check_block(title_block, source, "title", one_line=True, forbidden=_STRUCTURE)
    title = collapse(title_block[0].text)
    abstract: str | None = None
    block = cursor.take()
    if block is not None and not _is_stats(block):
        check_block(block, source, "abstract", forbidden=_STRUCTURE)
        abstract = collapse(" ".join(line.text for line in block))
        block = cursor.take()
    if block is None or not _is_stats(block):
        line = block[0].number if block else cursor.last_line()
        raise PageError(source, f"entry {title!r} lacks its '• N authors · date' lines", line)
    lines = [line for line in block if line.text.strip() != "·"]
    count = _AUTHOR_COUNT.match(lines[0].text.strip())
    if count is None:
        raise PageError(source, f"expected '• N authors', got {lines[0].text.strip()!r}", lines[0].number)
    if len(lines) != 2:
        raise PageError(source, "expected the author count and a date", block[-1].number)
    dated = _DATE_LINE.match(lines[1].text.strip())
    if dated is None:
        raise PageError(source, f"expected a date like 'May 8, 2025 2', got {lines[1].text.strip()!r}", lines[1].number)
    return Entry(
        index=index,
        line=title_block[0].number,
        title=title,
        abstract=abstract,
        published=_date(dated["date"], source, lines[1].number, as_of),
        author_count=int(count[1]),
        author_list_complete=False,
        upvotes=int(dated["upvotes"]) if dated["upvotes"] else None,
        code_repositories=find_code_repositories(abstract or ""),
    )

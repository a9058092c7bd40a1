"""Author-name cluster pages (seed 003).

Author name cluster / Kurt Keutzer / 61 papers, 2 author rows / Possible papers / 61
NeurIPS Conference 2025 Conference Paper          venue series, type, year, publication type
Angles Don’t Lie: ...                             title
  • Qinsi Wang / • Yao Lu 0006 / ...              at most 8 authors, dblp homonym numbers kept
Current Reinforcement Fine-tuning ...             abstract (optional)
"""

from __future__ import annotations

import datetime as dt
import re

from scholarkg.loader.blocks import Block, BlockCursor, split_blocks
from scholarkg.loader.errors import PageError
from scholarkg.loader.names import author_name
from scholarkg.loader.record_checks import PageBudget, check_block
from scholarkg.loader.records import Entry, Page, Venue
from scholarkg.loader.text import collapse, find_code_repositories

HEADING = "Author name cluster"
SHOWN_AUTHORS = 8
VENUE = re.compile(r"^(?P<series>.+?) (?P<kind>Conference|Journal|Workshop|Symposium) (?P<year>\d{4}) (?P<pub>.+)$")
_PAPERS = re.compile(r"^(\d+) papers?$")
_ROWS = re.compile(r"^(\d+) author rows?$")
_BULLET = "•"
_STRUCTURE = ((VENUE, "a venue line"), (re.compile(_BULLET), "a bulleted author name"))


def looks_like(blocks: list[Block]) -> bool:
    return any(len(block) == 1 and block[0].text.strip() == HEADING for block in blocks[:4])


def parse_cluster(text: str, source: str, as_of: dt.date) -> Page:
    del as_of  # cluster pages print years only
    cursor = BlockCursor(split_blocks(text))
    while True:
        block = cursor.take()
        if block is None:
            raise PageError(source, f"no '{HEADING}' heading", 1)
        if block[0].text.strip() == HEADING:
            break
    owner_block = cursor.take()
    if owner_block is None or len(owner_block) != 1:
        raise PageError(source, "expected the cluster's author name after the heading", cursor.last_line())
    owner = author_name(owner_block[0].text)
    paper_count: int | None = None
    row_count: int | None = None
    while True:
        block = cursor.peek()
        if block is None:
            raise PageError(source, "cluster ends before its papers", cursor.last_line())
        if VENUE.match(block[0].text.strip()):
            break
        cursor.take()
        for line in block:
            if match := _PAPERS.match(line.text.strip()):
                paper_count = int(match[1])
            elif match := _ROWS.match(line.text.strip()):
                row_count = int(match[1])
    entries: list[Entry] = []
    budget = PageBudget(source)
    while not cursor.done:
        venue_block = cursor.take()
        assert venue_block is not None
        budget.entry(venue_block[0].number)
        entries.append(_entry(venue_block, cursor, source, budget, index=len(entries) + 1))
    return Page(
        format="author-cluster",
        owner=owner,
        declared_paper_count=paper_count,
        author_row_count=row_count,
        entries=tuple(entries),
    )


def _entry(venue_block: Block, cursor: BlockCursor, source: str, budget: PageBudget, index: int) -> Entry:
    head = venue_block[0]
    match = VENUE.match(head.text.strip())
    if match is None or len(venue_block) != 1:
        raise PageError(
            source,
            f"expected a venue line like 'NeurIPS Conference 2025 Conference Paper', got {head.text.strip()!r}",
            head.number,
        )
    venue = Venue(
        series=match["series"], venue_type=match["kind"], year=int(match["year"]), publication_type=match["pub"]
    )
    title_block = cursor.take()
    if title_block is None or title_block[0].text.strip().startswith(_BULLET):
        raise PageError(source, "venue line is not followed by a title", head.number)
    check_block(title_block, source, "title", one_line=True, forbidden=_STRUCTURE)
    title = collapse(title_block[0].text)
    author_block = cursor.take()
    if author_block is None or not all(line.text.strip().startswith(_BULLET) for line in author_block):
        line = author_block[0].number if author_block else cursor.last_line()
        raise PageError(source, f"entry {title!r} lacks its bulleted author list", line)
    check_block(author_block, source, "author list")
    budget.add_names(len(author_block), author_block[0].number)
    authors = tuple(author_name(line.text.strip()[len(_BULLET) :]) for line in author_block)
    abstract: str | None = None
    following = cursor.peek()
    if following is not None and not VENUE.match(following[0].text.strip()):
        cursor.take()
        check_block(following, source, "abstract", forbidden=_STRUCTURE)
        abstract = collapse(" ".join(line.text for line in following))
    return Entry(
        index=index,
        line=head.number,
        title=title,
        abstract=abstract,
        year=venue.year,
        venue=venue,
        authors=authors,
        # The page shows at most eight names; a full row of eight may hide more.
        author_list_complete=len(authors) < SHOWN_AUTHORS,
        code_repositories=find_code_repositories(abstract or ""),
    )

"""Author profile pages (seeds 000, 001, 004).

Tianlong Chen                              owner
LG / h-index73 / 247papers / 13,529citations / Novelty55% / AI Score67
247 Papers
97.3CRMay 27                               [trending score] category date [Code]
Measuring Real-World Prompt Injection ...  title
Mohan Zhang, Yuqi Jia, Zhen Tan et al. · meta-ai
abstract
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from scholarkg.loader.blocks import Block, BlockCursor, split_blocks
from scholarkg.loader.dates import DATE_PATTERN, parse_date
from scholarkg.loader.errors import PageError
from scholarkg.loader.names import author_name
from scholarkg.loader.record_checks import PageBudget, check_block
from scholarkg.loader.records import AuthorName, Entry, Page, ProfileMetrics
from scholarkg.loader.text import collapse, find_code_repositories

HEADER = re.compile(rf"^(?P<score>\d+(?:\.\d+)?)?(?P<code>[A-Z][A-Z-]*?)(?P<date>{DATE_PATTERN})(?P<code_flag>Code)?$")
_METRICS = {
    "h_index": re.compile(r"^h-index(\d[\d,]*)$"),
    "paper_count": re.compile(r"^(\d[\d,]*)papers$"),
    "citation_count": re.compile(r"^(\d[\d,]*)citations$"),
    "novelty_percent": re.compile(r"^Novelty(\d+)%$"),
    "ai_score": re.compile(r"^AI Score(\d+)$"),
}
_PAPERS_HEADING = re.compile(r"^(\d[\d,]*) Papers?$")
_CATEGORY = re.compile(r"^[A-Z][A-Z-]*$")
_ET_AL = " et al."
_ORG_SEPARATOR = " · "
_STRUCTURE = ((HEADER, "an entry header"), (_PAPERS_HEADING, "the 'N Papers' heading"))


def looks_like(blocks: list[Block]) -> bool:
    return any(line.text.startswith("h-index") for block in blocks[:3] for line in block)


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _metrics(block: Block, source: str) -> tuple[str | None, int | None, ProfileMetrics]:
    category: str | None = None
    category_line: int | None = None
    values: dict[str, int] = {}
    for line in block:
        text = line.text.strip()
        for field, pattern in _METRICS.items():
            match = pattern.match(text)
            if match:
                values[field] = _number(match[1])
                break
        else:
            if category is None and not values and _CATEGORY.match(text):
                category, category_line = text, line.number
            else:
                raise PageError(source, f"unexpected line in the profile metrics: {text!r}", line.number)
    missing = [field for field in _METRICS if field not in values]
    if missing:
        raise PageError(source, f"profile metrics lack {', '.join(missing)}", block[0].number)
    return category, category_line, ProfileMetrics(**values)


def _authors(block: Block, source: str, budget: PageBudget) -> tuple[tuple[AuthorName, ...], bool, tuple[str, ...]]:
    check_block(block, source, "author line", one_line=True, forbidden=_STRUCTURE)
    text = collapse(block[0].text)
    organizations: tuple[str, ...] = ()
    if _ORG_SEPARATOR in text:
        text, orgs = text.split(_ORG_SEPARATOR, 1)
        organizations = tuple(org.strip() for org in orgs.split(",") if org.strip())
    complete = not text.endswith(_ET_AL)
    if not complete:
        text = text[: -len(_ET_AL)]
    parts = [part for part in text.split(",") if part.strip()]
    budget.add_names(len(parts), block[0].number)
    names = tuple(author_name(part) for part in parts)
    if not names:
        raise PageError(source, "entry has no author names", block[0].number)
    return names, complete, organizations


def parse_profile(text: str, source: str, as_of: dt.date) -> Page:
    cursor = BlockCursor(split_blocks(text))
    owner_block = cursor.take()
    if owner_block is None or len(owner_block) != 1:
        raise PageError(source, "a profile starts with the author's name on its own line", 1)
    if _CATEGORY.match(owner_block[0].text.strip()):
        raise PageError(
            source, "the profile's first line is a category code, not the author's name", owner_block[0].number
        )
    owner = author_name(owner_block[0].text)
    metrics_block = cursor.take()
    if metrics_block is None:
        raise PageError(source, "profile ends before its metrics", cursor.last_line())
    category, category_line, metrics = _metrics(metrics_block, source)
    heading = cursor.take()
    heading_match = _PAPERS_HEADING.match(heading[0].text.strip()) if heading and len(heading) == 1 else None
    if heading is None or heading_match is None:
        line = heading[0].number if heading else cursor.last_line()
        raise PageError(source, "expected the 'N Papers' heading", line)

    entries: list[Entry] = []
    budget = PageBudget(source)
    while not cursor.done:
        head = cursor.take()
        assert head is not None
        budget.entry(head[0].number)
        entries.append(_entry(head, cursor, source, as_of, budget, index=len(entries) + 1))
    if not entries:
        raise PageError(source, "profile lists no papers", cursor.last_line())
    return Page(
        format="author-profile",
        owner=owner,
        primary_category_code=category,
        primary_category_line=category_line,
        metrics=metrics,
        declared_paper_count=_number(heading_match[1]),
        entries=tuple(entries),
    )


def _entry(head: Block, cursor: BlockCursor, source: str, as_of: dt.date, budget: PageBudget, index: int) -> Entry:
    match = HEADER.match(head[0].text.strip())
    if match is None:
        raise PageError(
            source, f"expected an entry header like 'LGApr 1, 2022', got {head[0].text.strip()!r}", head[0].number
        )
    if len(head) < 2:
        raise PageError(source, "entry header is not followed by a title", head[0].number)
    check_block(head[1:], source, "title", one_line=True, forbidden=_STRUCTURE)
    title = collapse(head[1].text)
    try:
        published = parse_date(match["date"], as_of)
    except ValueError as error:
        raise PageError(source, str(error), head[0].number) from None
    author_block = cursor.take()
    if author_block is None:
        raise PageError(source, f"entry {title!r} ends before its author list", cursor.last_line())
    authors, complete, organizations = _authors(author_block, source, budget)
    abstract: str | None = None
    following = cursor.peek()
    if following is not None and not HEADER.match(following[0].text.strip()):
        cursor.take()
        check_block(following, source, "abstract", forbidden=_STRUCTURE)
        abstract = collapse(" ".join(line.text for line in following))
    return Entry(
        index=index,
        line=head[0].number,
        title=title,
        abstract=abstract,
        published=published,
        category_code=match["code"],
        trending_score=Decimal(match["score"]) if match["score"] else None,
        has_code=match["code_flag"] is not None,
        authors=authors,
        author_list_complete=complete,
        organizations=organizations,
        code_repositories=find_code_repositories(abstract or ""),
    )

"""Read a page file: decode, detect its format, dispatch to the format's parser."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scholarkg.loader import cluster_page, listing_page, profile_page
from scholarkg.loader.blocks import Block, split_blocks
from scholarkg.loader.errors import PageError, UnknownFormatError
from scholarkg.loader.record_checks import check_page, clean_text
from scholarkg.loader.records import PAGE_FORMATS, Page, PageFormat

Parser = Callable[[str, str, dt.date], Page]
Detector = Callable[[list[Block]], bool]

# Order matters only for pages that would match several detectors (none of the seeds do).
FORMATS: dict[PageFormat, tuple[Detector, Parser]] = {
    "author-cluster": (cluster_page.looks_like, cluster_page.parse_cluster),
    "daily-papers": (listing_page.looks_like, listing_page.parse_listing),
    "author-profile": (profile_page.looks_like, profile_page.parse_profile),
}
MAX_PAGE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    """A page file as read from disk: its name, bytes' digest and decoded text."""

    name: str
    sha256: str
    text: str


def read_source(path: Path) -> SourceFile:
    try:
        size = path.stat().st_size
    except OSError as error:
        raise PageError(path, f"cannot read: {error.strerror}") from None
    if size > MAX_PAGE_BYTES:
        raise PageError(path, f"page is {size} bytes, more than the {MAX_PAGE_BYTES} allowed")
    data = path.read_bytes()
    return decode_source(path.name, data, label=str(path))


def decode_source(name: str, data: bytes, label: str | None = None) -> SourceFile:
    label = label or name
    if not data.strip():
        raise PageError(label, "page is empty")
    if b"\x00" in data:
        raise PageError(label, "page is binary (contains NUL bytes), not a text page")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PageError(label, f"page is not UTF-8 text (byte {error.start})", line) from None
    return SourceFile(name=name, sha256=hashlib.sha256(data).hexdigest(), text=clean_text(text.lstrip("\ufeff"), label))


def detect_format(text: str, label: str) -> PageFormat:
    blocks = split_blocks(text)
    for page_format, (looks_like, _) in FORMATS.items():
        if looks_like(blocks):
            return page_format
    raise UnknownFormatError(
        label, f"page is in no known format (expected one of: {', '.join(PAGE_FORMATS)})", line=None
    )


def parse_page(text: str, label: str, as_of: dt.date, page_format: PageFormat | None = None) -> Page:
    chosen = page_format or detect_format(text, label)
    _, parser = FORMATS[chosen]
    return check_page(parser(text, label, as_of), label, as_of.year)

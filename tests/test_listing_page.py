"""Daily-papers listing page (seed 002): every expected value below is read off the seed file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from scholarkg.loader.records import Page

LISTING = "002_59305120740d2a0e.txt"

# "• N authors" of the 45 entries, in page order.
AUTHOR_COUNTS = [
    7, 11, 2, 8, 6, 11, 3, 11, 7, 13, 4, 3, 8, 8, 3, 7, 3, 6, 2, 4, 5, 3, 5,
    4, 9, 7, 5, 3, 7, 5, 8, 4, 8, 9, 5, 2, 11, 6, 7, 3, 3, 5, 12, 6, 6,
]  # fmt: skip
# The date line of each entry, in page order (the upvote number stripped).
DATES = [
    "2023-11-30", "2025-07-22", "2025-01-21", "2024-10-15", "2025-09-05", "2024-02-19", "2025-05-16",
    "2025-05-08", "2024-12-21", "2024-10-10", "2023-08-01", "2022-02-05", "2021-07-12", "2019-06-06",
    "2023-09-25", "2022-08-23", "2020-08-10", "2025-05-20", "2024-12-17", "2024-11-12", "2024-03-15",
    "2022-11-22", "2021-12-16", "2021-10-19", "2025-08-03", "2024-05-18", "2023-12-05", "2023-05-10",
    "2025-09-29", "2024-09-18", "2024-07-31", "2024-05-02", "2024-03-27", "2024-03-27", "2022-09-26",
    "2020-07-30", "2018-11-16", "2025-09-30", "2023-03-21", "2023-10-26", "2023-04-07", "2023-09-19",
    "2022-11-06", "2022-11-01", "2022-03-28",
]  # fmt: skip


@pytest.fixture(scope="module")
def page(seed_pages: dict[str, Page]) -> Page:
    return seed_pages[LISTING]


def test_listing_header(page: Page) -> None:
    assert page.format == "daily-papers"
    assert page.listing_date == dt.date(2026, 1, 29)  # printed "Jan 29" (no year), as_of 2026-11-23
    assert len(page.entries) == 45
    assert page.owner is None
    assert page.metrics is None
    assert page.primary_category_code is None
    assert page.declared_paper_count is None
    assert page.author_row_count is None


def test_listing_date_depends_on_as_of(parse_seed: Callable[..., Page]) -> None:
    assert parse_seed(LISTING, as_of=dt.date(2026, 1, 28)).listing_date == dt.date(2025, 1, 29)
    assert parse_seed(LISTING, as_of=dt.date(2026, 1, 29)).listing_date == dt.date(2026, 1, 29)


def test_entries_in_page_order(page: Page) -> None:
    assert [e.index for e in page.entries] == list(range(1, 46))
    assert page.entries[0].line == 13
    assert page.entries[1].line == 21
    assert page.entries[-1].line == 365


def test_specific_entries(page: Page) -> None:
    first = page.entries[0]
    assert first.title == "Splitwise: Efficient generative LLM inference using phase splitting"
    assert first.published == dt.date(2023, 11, 30)
    assert first.author_count == 7
    assert first.abstract is not None
    assert first.abstract.startswith("Recent innovations in generative large language models (LLMs)")
    last = page.entries[-1]
    assert last.title == "Generalizing Few-Shot NAS with Gradient Matching"
    assert last.published == dt.date(2022, 3, 28)
    assert last.author_count == 6
    gpipe = page.entries[36]
    assert gpipe.title == "GPipe: Efficient Training of Giant Neural Networks using Pipeline Parallelism"
    assert (gpipe.published, gpipe.author_count) == (dt.date(2018, 11, 16), 11)
    assert page.entries[20].title == (
        "Backdoor Secrets Unveiled: Identifying Backdoor Data with Optimized Scaled Prediction Consistency"
    )
    assert (
        page.entries[32].title
        == "Reshaping Free-Text Radiology Notes Into Structured Reports With Generative Transformers"
    )
    assert page.entries[33].title == "Vulnerability Detection with Code Language Models: How Far Are We?"
    # Two papers of the same day keep their page order.
    assert page.entries[32].published == page.entries[33].published == dt.date(2024, 3, 27)


def test_author_counts(page: Page) -> None:
    assert [e.author_count for e in page.entries] == AUTHOR_COUNTS
    assert max(AUTHOR_COUNTS) == 13
    assert page.entries[9].title.startswith("Koala-36M: A Large-scale Video Dataset")


def test_dates(page: Page) -> None:
    assert [e.published.isoformat() for e in page.entries if e.published] == DATES
    assert all(e.year is None for e in page.entries)


def test_upvotes(page: Page) -> None:
    upvoted = [(e.index, e.title, e.published, e.upvotes) for e in page.entries if e.upvotes is not None]
    assert upvoted == [
        (8, "Steepest Descent Density Control for Compact 3D Gaussian Splatting", dt.date(2025, 5, 8), 2),
        (22, "Word-Level Representation From Bytes For Language Modeling", dt.date(2022, 11, 22), 2),
        (
            25,
            "SitEmb-v1.5: Improved Context-Aware Dense Retrieval for Semantic Association and Long Story Comprehension",
            dt.date(2025, 8, 3),
            3,
        ),
    ]
    # Entries without an upvote number have None, not 0.
    assert sum(1 for e in page.entries if e.upvotes is None) == 42
    assert page.entries[0].upvotes is None


def test_no_author_names_and_lists_incomplete(page: Page) -> None:
    for entry in page.entries:
        assert entry.authors == ()
        assert entry.author_list_complete is False
        assert entry.organizations == ()
        assert entry.category_code is None
        assert entry.trending_score is None
        assert entry.has_code is None
        assert entry.venue is None


def test_abstracts_and_code_repositories(page: Page) -> None:
    assert all(e.abstract for e in page.entries)
    repos = [(e.index, e.code_repositories) for e in page.entries if e.code_repositories]
    assert repos == [
        (14, ("https://github.com/zhuohan123/macaron-net",)),
        (19, ("https://github.com/CyberPegasus/IFDD",)),
        (21, ("https://github.com/OPTML-Group/BackdoorMSPC",)),
        (26, ("https://github.com/xingy038/Dreamer-XL",)),
        # "(github.com/Mohamad-AbouAli/OI-PBC-Dataset)": no scheme, closing parenthesis dropped.
        (29, ("https://github.com/Mohamad-AbouAli/OI-PBC-Dataset",)),
        (36, ("https://github.com/yoshitomo-matsubara/hnd-ghnd-object-detectors",)),
        (38, ("https://github.com/CentML/lorafusion",)),
        (39, ("https://github.com/ispc-lab/TMA",)),
        (44, ("https://github.com/TongkunGuan/CCD",)),
    ]
    koala = page.entries[9]
    assert koala.abstract is not None and "https://koala36m.github.io/" in koala.abstract
    assert koala.code_repositories == ()  # a project page, not a repository

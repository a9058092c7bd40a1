"""Author profile pages (seeds 000, 001, 004): every expected value below is read off the seed files."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal

import pytest

from scholarkg.loader.records import Entry, Page, ProfileMetrics

PROFILE_000 = "000_e49c997fbe9f6f5b.txt"
PROFILE_001 = "001_7237205d067e25d8.txt"
PROFILE_004 = "004_4c6bd25234ecab12.txt"
ParseSeed = Callable[..., Page]


def _by_title(page: Page, title: str) -> Entry:
    matches = [e for e in page.entries if e.title == title]
    assert len(matches) == 1, f"{title!r} occurs {len(matches)} times"
    return matches[0]


def _printed(entry: Entry) -> list[str]:
    return [a.printed for a in entry.authors]


# --- page header --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "owner", "category", "metrics", "declared", "entries"),
    [
        (PROFILE_000, "Alexander Liu", "CV", ProfileMetrics(h_index=4, paper_count=7, citation_count=433,
                                                             novelty_percent=61, ai_score=42), 7, 7),
        (PROFILE_001, "Zichang Liu", "LG", ProfileMetrics(h_index=45, paper_count=14, citation_count=958,
                                                           novelty_percent=59, ai_score=53), 14, 14),
        (PROFILE_004, "Tianlong Chen", "LG", ProfileMetrics(h_index=73, paper_count=247, citation_count=13529,
                                                             novelty_percent=55, ai_score=67), 247, 50),
    ],
)  # fmt: skip
def test_profile_header(
    seed_pages: dict[str, Page],
    name: str,
    owner: str,
    category: str,
    metrics: ProfileMetrics,
    declared: int,
    entries: int,
) -> None:
    page = seed_pages[name]
    assert page.format == "author-profile"
    assert page.owner is not None
    assert (page.owner.printed, page.owner.name, page.owner.homonym) == (owner, owner, None)
    assert page.primary_category_code == category
    assert page.primary_category_line == 3
    assert page.metrics == metrics
    assert page.declared_paper_count == declared
    assert len(page.entries) == entries
    # Fields of the other formats stay empty.
    assert page.listing_date is None
    assert page.author_row_count is None


def test_citations_with_thousands_separator(seed_pages: dict[str, Page]) -> None:
    metrics = seed_pages[PROFILE_004].metrics
    assert metrics is not None
    assert metrics.citation_count == 13529  # printed "13,529citations"


@pytest.mark.parametrize("name", [PROFILE_000, PROFILE_001, PROFILE_004])
def test_entries_are_numbered_in_page_order(seed_pages: dict[str, Page], name: str) -> None:
    page = seed_pages[name]
    assert [e.index for e in page.entries] == list(range(1, len(page.entries) + 1))
    lines = [e.line for e in page.entries]
    assert lines[0] == 12  # first entry header after the "N Papers" heading on line 10
    assert lines == sorted(lines)
    # Every entry on these pages is spaced exactly 7 lines apart (header, title, authors, abstract + blanks).
    assert {b - a for a, b in itertools.pairwise(lines)} == {7}


# --- first and last entries ------------------------------------------------------------------------------


def test_000_first_entry(seed_pages: dict[str, Page]) -> None:
    entry = seed_pages[PROFILE_000].entries[0]
    assert entry.title == "Monarch: Expressive Structured Matrices for Efficient and Accurate Training"
    assert entry.line == 12
    assert entry.category_code == "LG"
    assert entry.published == dt.date(2022, 4, 1)
    assert entry.year is None
    assert entry.trending_score is None
    assert entry.has_code is False
    assert _printed(entry) == ["Tri Dao", "Beidi Chen", "Nimit Sohoni"]
    assert entry.author_list_complete is False
    assert entry.organizations == ()
    assert entry.abstract is not None
    assert entry.abstract.startswith("Large neural networks excel in many domains, but they are expensive")
    assert entry.abstract.endswith("speeds up BERT fine-tuning on GLUE by 1.7x with comparable accuracy.")
    assert entry.code_repositories == ()
    assert entry.venue is None and entry.upvotes is None and entry.author_count is None


def test_000_last_entry(seed_pages: dict[str, Page]) -> None:
    entry = seed_pages[PROFILE_000].entries[-1]
    assert entry.index == 7
    assert entry.title == "Spoken Moments: Learning Joint Audio-Visual Representations from Video Descriptions"
    assert entry.category_code == "CV"
    assert entry.published == dt.date(2021, 5, 10)
    assert _printed(entry) == ["Mathew Monfort", "SouYoung Jin", "Alexander Liu"]
    assert entry.author_list_complete is False


def test_001_first_and_last_entry(seed_pages: dict[str, Page]) -> None:
    page = seed_pages[PROFILE_001]
    first, last = page.entries[0], page.entries[-1]
    assert first.title == "Deja Vu: Contextual Sparsity for Efficient LLMs at Inference Time"
    assert (first.category_code, first.published, first.has_code) == ("LG", dt.date(2023, 10, 26), True)
    assert last.title == "Guigle: A GUI Search Engine for Android Apps"
    assert (last.category_code, last.published, last.has_code) == ("SE", dt.date(2019, 1, 3), False)
    assert _printed(last) == ["Carlos Bernal-Cardenas", "Kevin Moran", "Michele Tufano"]


def test_004_first_and_last_entry(seed_pages: dict[str, Page]) -> None:
    page = seed_pages[PROFILE_004]
    first, last = page.entries[0], page.entries[-1]
    assert first.title == "Training Your Sparse Neural Network Better with Any Mask"
    assert (first.category_code, first.published, first.has_code) == ("CV", dt.date(2022, 6, 26), True)
    assert _printed(first) == ["Ajay Jaiswal", "Haoyu Ma", "Tianlong Chen"]
    assert last.index == 50
    assert last.title == (
        "Attend Who is Weak: Pruning-assisted Medical Image Localization under Sophisticated and Implicit Imbalances"
    )
    assert (last.category_code, last.published, last.has_code) == ("CV", dt.date(2022, 12, 6), False)
    assert _printed(last) == ["Ajay Jaiswal", "Tianlong Chen", "Justin F. Rousseau"]


def test_titles_keep_latex_and_punctuation(seed_pages: dict[str, Page]) -> None:
    titles = [e.title for e in seed_pages[PROFILE_004].entries]
    assert titles[3] == "H$_2$O: Heavy-Hitter Oracle for Efficient Generative Inference of Large Language Models"
    assert titles[4].startswith("M$^3$ViT: Mixture-of-Experts Vision Transformer")
    assert "Sparsity May Cry: Let Us Fail (Current) Sparse Neural Networks Together!" in titles
    assert "Don't Be So Dense: Sparse-to-Sparse GAN Training Without Sacrificing Performance" in titles


# --- dates -------------------------------------------------------------------------------------------------


def test_yearless_dates_resolve_against_as_of(seed_pages: dict[str, Page], as_of: dt.date) -> None:
    assert as_of == dt.date(2026, 11, 23)
    ernie = _by_title(seed_pages[PROFILE_001], "ERNIE 5.0 Technical Report")
    assert ernie.category_code == "CL"
    assert ernie.published == dt.date(2026, 2, 4)  # printed "Feb 4"
    prompt = _by_title(
        seed_pages[PROFILE_004], "Measuring Real-World Prompt Injection Attacks in LLM-based Resume Screening"
    )
    assert prompt.published == dt.date(2026, 5, 27)  # printed "May 27"


def test_yearless_dates_of_001(seed_pages: dict[str, Page]) -> None:
    yearless = {
        e.title: e.published for e in seed_pages[PROFILE_001].entries if e.published and e.published.year == 2026
    }
    assert yearless == {
        "ERNIE 5.0 Technical Report": dt.date(2026, 2, 4),
        "Sparse Forcing: Native Trainable Sparse Attention for Real-time Autoregressive Diffusion Video Generation": (
            dt.date(2026, 4, 23)
        ),
        "ScaleBITS: Scalable Bitwidth Search for Hardware-Aligned Mixed-Precision LLMs": dt.date(2026, 2, 6),
    }


def test_yearless_date_before_as_of_goes_to_the_previous_year(parse_seed: ParseSeed) -> None:
    page = parse_seed(PROFILE_001, as_of=dt.date(2026, 1, 10))
    assert _by_title(page, "ERNIE 5.0 Technical Report").published == dt.date(2025, 2, 4)
    assert _by_title(
        page, "ScaleBITS: Scalable Bitwidth Search for Hardware-Aligned Mixed-Precision LLMs"
    ).published == (dt.date(2025, 2, 6))
    # Dates that print their year do not depend on as_of.
    assert page.entries[0].published == dt.date(2023, 10, 26)


def test_yearless_date_on_as_of_itself(parse_seed: ParseSeed) -> None:
    page = parse_seed(PROFILE_004, as_of=dt.date(2026, 5, 27))
    title = "Measuring Real-World Prompt Injection Attacks in LLM-based Resume Screening"
    assert _by_title(page, title).published == dt.date(2026, 5, 27)
    page = parse_seed(PROFILE_004, as_of=dt.date(2026, 5, 26))
    assert _by_title(page, title).published == dt.date(2025, 5, 27)


# --- category codes, trending scores, Code flag -------------------------------------------------------------


def test_category_codes(seed_pages: dict[str, Page]) -> None:
    codes_004 = [e.category_code for e in seed_pages[PROFILE_004].entries]
    assert codes_004.count("QUANT-PH") == 1
    quangcn = _by_title(
        seed_pages[PROFILE_004], "QuanGCN: Noise-Adaptive Training for Robust Quantum Graph Convolutional Networks"
    )
    assert quangcn.category_code == "QUANT-PH"
    assert quangcn.published == dt.date(2022, 11, 9)
    assert sorted(set(codes_004)) == ["AI", "CL", "CR", "CV", "LG", "QUANT-PH"]
    assert [e.category_code for e in seed_pages[PROFILE_000].entries] == ["LG", "CL", "CV", "CV", "LG", "CV", "CV"]
    assert [e.category_code for e in seed_pages[PROFILE_001].entries] == [
        "LG", "LG", "LG", "CL", "CV", "LG", "LG", "LG", "CV", "LG", "SP", "CV", "IR", "SE",
    ]  # fmt: skip


def test_trending_scores_are_decimals(seed_pages: dict[str, Page]) -> None:
    entry = _by_title(
        seed_pages[PROFILE_004], "Measuring Real-World Prompt Injection Attacks in LLM-based Resume Screening"
    )
    assert isinstance(entry.trending_score, Decimal)
    assert entry.trending_score == Decimal("97.3")
    assert entry.category_code == "CR"
    assert entry.has_code is False
    scored = [(e.index, e.trending_score) for e in seed_pages[PROFILE_004].entries if e.trending_score is not None]
    assert scored == [
        (2, Decimal("97.3")),
        (32, Decimal("78.5")),
        (33, Decimal("75.0")),
        (41, Decimal("85.7")),
        (44, Decimal("85.0")),
        (48, Decimal("99.2")),
    ]
    assert str(scored[2][1]) == "75.0"  # printed precision kept
    sparse_forcing = seed_pages[PROFILE_001].entries[4]
    assert (sparse_forcing.trending_score, sparse_forcing.category_code) == (Decimal("92.7"), "CV")
    assert all(e.trending_score is None for e in seed_pages[PROFILE_000].entries)


def test_code_flag(seed_pages: dict[str, Page]) -> None:
    assert [e.has_code for e in seed_pages[PROFILE_000].entries] == [False, False, True, False, False, False, False]
    assert [e.index for e in seed_pages[PROFILE_001].entries if e.has_code] == [1, 2]
    assert sum(1 for e in seed_pages[PROFILE_004].entries if e.has_code) == 32
    # "85.7AIApr 18Code": score, code, yearless date and the flag all on one header line.
    goa = seed_pages[PROFILE_004].entries[40]
    assert goa.title == "Graph-of-Agents: A Graph-based Framework for Multi-Agent LLM Collaboration"
    assert (goa.trending_score, goa.category_code, goa.published, goa.has_code) == (
        Decimal("85.7"),
        "AI",
        dt.date(2026, 4, 18),
        True,
    )


# --- authors and organisations ---------------------------------------------------------------------------------


def test_author_order_as_printed(seed_pages: dict[str, Page]) -> None:
    page = seed_pages[PROFILE_000]
    assert _printed(page.entries[1]) == ["Alexander Liu", "Samuel Yang"]
    assert _printed(page.entries[2]) == ["Angelina Wang", "Alexander Liu", "Ryan Zhang"]
    assert _printed(page.entries[3]) == ["Alexander Liu"]
    assert _printed(page.entries[4]) == ["Lawrence Liu", "Alexander Liu", "Mengdi Wang"]
    composable = _by_title(seed_pages[PROFILE_004], "Composable Interventions for Language Models")
    assert _printed(composable) == ["Arinbjorn Kolbeinsson", "Kyle O'Brien", "Tianjin Huang"]
    assert all(a.homonym is None and a.name == a.printed for e in page.entries for a in e.authors)


def test_et_al_marks_incomplete_author_lists(seed_pages: dict[str, Page]) -> None:
    assert [e.author_list_complete for e in seed_pages[PROFILE_000].entries] == [
        False, True, False, True, False, False, False,
    ]  # fmt: skip
    complete_001 = [e for e in seed_pages[PROFILE_001].entries if e.author_list_complete]
    assert [e.title for e in complete_001] == [
        "Efficient Inference via Universal LSH Kernel",
        "Neighbor Oblivious Learning (NObLe) for Device Localization and Tracking",
    ]
    assert _printed(complete_001[0]) == ["Zichang Liu", "Benjamin Coleman", "Anshumali Shrivastava"]
    assert not any(e.author_list_complete for e in seed_pages[PROFILE_004].entries)
    # "et al." is not kept as part of the last name.
    assert all("et al" not in a.printed for p in (PROFILE_000, PROFILE_001, PROFILE_004)
               for e in seed_pages[p].entries for a in e.authors)  # fmt: skip


def test_organizations(seed_pages: dict[str, Page]) -> None:
    deja_vu = seed_pages[PROFILE_001].entries[0]
    assert deja_vu.organizations == ("eth-zurich",)
    assert _printed(deja_vu) == ["Zichang Liu", "Jue Wang", "Tri Dao"]  # the org is not an author
    assert deja_vu.author_list_complete is False
    page = seed_pages[PROFILE_004]
    with_orgs = [(e.index, e.organizations) for e in page.entries if e.organizations]
    assert with_orgs == [(1, ("meta-ai",)), (13, ("harvard", "meta-ai")), (35, ("ibm-research",))]
    onion = page.entries[12]
    assert onion.title == (
        "Peeling the Onion: Hierarchical Reduction of Data Redundancy for Efficient Vision Transformer Training"
    )
    assert _printed(onion) == ["Zhenglun Kong", "Haoyu Ma", "Geng Yuan"]
    assert page.entries[34].title.startswith("A Survey on Model MoErging")
    assert not any(e.organizations for e in seed_pages[PROFILE_000].entries)


# --- code repositories in abstracts ------------------------------------------------------------------------------


def test_code_repositories_000_001(seed_pages: dict[str, Page]) -> None:
    repos_000 = [(e.index, e.code_repositories) for e in seed_pages[PROFILE_000].entries if e.code_repositories]
    assert repos_000 == [(3, ("https://github.com/princetonvisualai/revise-tool",))]
    repos_001 = [(e.index, e.code_repositories) for e in seed_pages[PROFILE_001].entries if e.code_repositories]
    assert repos_001 == [
        (1, ("https://github.com/FMInference/DejaVu",)),  # "…/DejaVu." — full stop trimmed
        (2, ("https://github.com/apd10/FLCF",)),  # "{https://github.com/apd10/FLCF}" — braces dropped
    ]


def test_code_repositories_004(seed_pages: dict[str, Page]) -> None:
    repos = {e.index: e.code_repositories for e in seed_pages[PROFILE_004].entries if e.code_repositories}
    assert len(repos) == 32
    assert repos[1] == ("https://github.com/VITA-Group/ToST",)
    assert repos[3] == ("https://github.com/VITA-Group/ViT-Anti-Oversmoothing",)  # trailing "." trimmed
    assert repos[6] == ("https://github.com/VITA-Group/UVC",)  # "\url{…/UVC}." trimmed
    assert repos[21] == ("https://github.com/VITA-Group/Open-L2O/tree/main/Model_Free_L2O/L2O-Entropy",)
    assert repos[26] == ("http://github.com/VITA-Group/OptimizerAmalgamation",)  # scheme kept as printed
    # "\url{https://github.com/landskape-ai/Progressive-Pruning} and \url{https://wandb.ai/landskape/APP}":
    # the wandb.ai dashboard is not a code repository.
    assert repos[29] == ("https://github.com/landskape-ai/Progressive-Pruning",)
    assert repos[44] == ("https://github.com/jndeng/GEMQ",)  # "…/GEMQ ." (space before the stop)
    # A project page on github.io is not a repository.
    nerf = seed_pages[PROFILE_004].entries[33]
    assert nerf.title == "Is Attention All That NeRF Needs?"
    assert nerf.abstract is not None and "https://vita-group.github.io/GNT/" in nerf.abstract
    assert nerf.code_repositories == ()
    every = [url for urls in repos.values() for url in urls]
    assert not any(url.endswith((".", "}", ",", ")")) for url in every)
    assert not any("wandb.ai" in url or "github.io" in url for url in every)

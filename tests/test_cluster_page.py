"""Author-name cluster page (seed 003): every expected value below is read off the seed file."""

from __future__ import annotations

from collections import Counter

import pytest

from scholarkg.loader.records import Entry, Page, Venue

CLUSTER = "003_9e15f5f7954c11b9.txt"


@pytest.fixture(scope="module")
def page(seed_pages: dict[str, Page]) -> Page:
    return seed_pages[CLUSTER]


def _printed(entry: Entry) -> list[str]:
    return [a.printed for a in entry.authors]


def test_cluster_header(page: Page) -> None:
    assert page.format == "author-cluster"
    assert page.owner is not None
    assert (page.owner.printed, page.owner.name, page.owner.homonym) == ("Kurt Keutzer", "Kurt Keutzer", None)
    assert page.declared_paper_count == 61  # "61 papers"
    assert page.author_row_count == 2  # "2 author rows"
    assert len(page.entries) == 61
    assert [e.index for e in page.entries] == list(range(1, 62))
    assert page.metrics is None
    assert page.listing_date is None
    assert page.primary_category_code is None


def test_first_entry(page: Page) -> None:
    entry = page.entries[0]
    assert entry.line == 16
    assert entry.venue == Venue(
        series="NeurIPS", venue_type="Conference", year=2025, publication_type="Conference Paper"
    )
    assert entry.venue.edition == "NeurIPS 2025"
    # Typographic apostrophes and the non-breaking hyphen are kept as printed.
    assert (
        entry.title
        == "Angles Don\u2019t Lie: Unlocking Training\u2011Efficient RL Through the Model\u2019s Own Signals"
    )
    assert _printed(entry) == [
        "Qinsi Wang", "Jinghan Ke", "Hancheng Ye", "Yueqian Lin",
        "Yuzhe Fu", "Jianyi Zhang", "Kurt Keutzer", "Chenfeng Xu",
    ]  # fmt: skip
    assert entry.author_list_complete is False  # eight names: the page may hide more
    assert entry.abstract is not None
    assert entry.abstract.startswith("Current Reinforcement Fine-tuning (RFT) paradigms")


def test_last_entry(page: Page) -> None:
    entry = page.entries[-1]
    assert entry.line == 854
    assert entry.venue == Venue(series="ICML", venue_type="Conference", year=2008, publication_type="Conference Paper")
    assert entry.title == "Fast support vector machine training and classification on graphics processors"
    assert _printed(entry) == ["Bryan Catanzaro", "Narayanan Sundaram", "Kurt Keutzer"]
    assert entry.author_list_complete is True


def test_year_only_dates(page: Page) -> None:
    for entry in page.entries:
        assert entry.published is None  # the page prints no day
        assert entry.venue is not None
        assert entry.year == entry.venue.year
    years = [e.year for e in page.entries]
    assert years[:15] == [2025] * 15
    assert years[15] == 2024
    assert (min(years), max(years)) == (2008, 2025)
    assert years == sorted(years, reverse=True)  # the cluster lists newest first


def test_venues(page: Page) -> None:
    venues = [e.venue for e in page.entries if e.venue is not None]
    assert len(venues) == 61
    assert Counter(v.series for v in venues) == {
        "NeurIPS": 21, "ICML": 15, "AAAI": 9, "ICLR": 8, "IJCAI": 4, "ICRA": 3, "IROS": 1,
    }  # fmt: skip
    assert {v.venue_type for v in venues} == {"Conference"}
    assert {v.publication_type for v in venues} == {"Conference Paper"}
    assert len({v.edition for v in venues}) == 32
    assert [v.edition for v in venues[:5]] == ["NeurIPS 2025", "ICLR 2025", "ICLR 2025", "NeurIPS 2025", "ICLR 2025"]
    you_only_group_once = page.entries[40]
    assert you_only_group_once.title.startswith("You Only Group Once: Efficient Point-Cloud Processing")
    assert you_only_group_once.venue == Venue(
        series="IROS", venue_type="Conference", year=2021, publication_type="Conference Paper"
    )


def test_homonyms(page: Page) -> None:
    coat = page.entries[1]
    assert coat.title == "COAT: Compressing Optimizer states and Activations for Memory-Efficient FP8 Training"
    assert _printed(coat) == [
        "Haocheng Xi", "Han Cai", "Ligeng Zhu", "Yao Lu 0006", "Kurt Keutzer", "Jianfei Chen 0001", "Song Han 0003",
    ]  # fmt: skip
    yao = coat.authors[3]
    assert (yao.printed, yao.name, yao.homonym) == ("Yao Lu 0006", "Yao Lu", "0006")
    assert [(a.name, a.homonym) for a in coat.authors if a.homonym] == [
        ("Yao Lu", "0006"),
        ("Jianfei Chen", "0001"),
        ("Song Han", "0003"),
    ]
    assert coat.authors[0].homonym is None and coat.authors[0].name == "Haocheng Xi"
    # The same name with and without a dblp number: both kept apart, as printed.
    sehoon = {(a.printed, a.name, a.homonym) for e in page.entries for a in e.authors if a.name == "Sehoon Kim"}
    assert sehoon == {("Sehoon Kim", "Sehoon Kim", None), ("Sehoon Kim 0001", "Sehoon Kim", "0001")}
    assert sum(1 for e in page.entries for a in e.authors if a.homonym) == 33


def test_eight_names_mean_incomplete(page: Page) -> None:
    sizes = Counter(len(e.authors) for e in page.entries)
    assert sizes == {8: 32, 7: 10, 6: 8, 5: 6, 3: 3, 4: 2}
    assert sum(len(e.authors) for e in page.entries) == 421
    for entry in page.entries:
        assert entry.author_list_complete is (len(entry.authors) < 8), entry.title
    assert [e.author_list_complete for e in page.entries[:4]] == [False, True, True, False]


def test_owner_missing_only_from_full_rows(page: Page) -> None:
    listing_owner = [e for e in page.entries if "Kurt Keutzer" in _printed(e)]
    assert len(listing_owner) == 48
    # Where the owner is not among the names shown, the row is a full one of eight (he is hidden).
    assert all(len(e.authors) == 8 for e in page.entries if e not in listing_owner)
    quantspec = page.entries[7]
    assert quantspec.title == "QuantSpec: Self-Speculative Decoding with Hierarchical Quantized KV Cache"
    assert _printed(quantspec) == [
        "Rishabh Tiwari", "Haocheng Xi", "Aditya Tomar", "Coleman Richard Charles Hooper",
        "Sehoon Kim 0001", "Maxwell Horton", "Mahyar Najibi", "Michael W. Mahoney",
    ]  # fmt: skip


def test_author_order_exactly_as_printed(page: Page) -> None:
    dobi = page.entries[2]
    assert dobi.title == "Dobi-SVD: Differentiable SVD for LLM Compression and Some New Perspectives"
    assert _printed(dobi) == ["Qinsi Wang", "Jinghan Ke", "Masayoshi Tomizuka", "Kurt Keutzer", "Chenfeng Xu"]
    affective = page.entries[55]
    assert affective.title == "Affective Image Content Analysis: A Comprehensive Survey"
    assert _printed(affective) == [
        "Sicheng Zhao", "Guiguang Ding", "Qingming Huang", "Tat-Seng Chua", "Björn W. Schuller", "Kurt Keutzer",
    ]  # fmt: skip
    radial = page.entries[8]
    assert radial.title == (
        r"Radial Attention: $\mathcal{O}(n\log n)$ Sparse Attention with Energy Decay for Long Video Generation"
    )
    assert _printed(radial)[0] == "XINGYANG LI"  # case kept as printed


def test_no_profile_or_listing_fields(page: Page) -> None:
    for entry in page.entries:
        assert entry.category_code is None
        assert entry.trending_score is None
        assert entry.has_code is None
        assert entry.organizations == ()
        assert entry.upvotes is None
        assert entry.author_count is None


def test_code_repositories(page: Page) -> None:
    """12 of the 15 links are split by PDF text extraction (`https: //github. com/…`) and repaired."""
    assert [(e.index, e.code_repositories) for e in page.entries if e.code_repositories] == [
        (9, ("https://github.com/mit-han-lab/radial-attention",)),
        (11, ("https://github.com/svg-project/Sparse-VideoGen",)),
        (13, ("https://github.com/Gumpest/SparseVLMs",)),
        (16, ("https://github.com/SqueezeAILab/LLMCompiler",)),
        (23, ("https://github.com/SqueezeAILab/SqueezeLLM",)),
        (26, ("https://github.com/Divadi/SOLOFusion",)),
        (29, ("https://github.com/hikaru-nara/DASK",)),
        (32, ("https://github.com/microsoft/klite",)),
        (35, ("https://github.com/allenai/staged-training",)),
        (41, ("https://github.com/chenfengxu714/YOGO",)),  # "…/YOGO.git." → ".git" and "." dropped
        (42, ("https://github.com/maysonma/VAANet",)),
        (47, ("https://github.com/daoyuan98/MDDA",)),
        (48, ("https://github.com/sIncerass/powernorm",)),
        (54, ("https://github.com/Luodian/MADAN",)),
        (55, ("https://github.com/xuanyuzhou98/SqueezeSegV2",)),
    ]


def test_split_links_stay_as_printed_in_the_abstract(page: Page) -> None:
    squeeze = next(e for e in page.entries if e.index == 23)
    assert "Our code is available at https: //github. com/SqueezeAILab/SqueezeLLM." in (squeeze.abstract or "")
    assert "up to 2. 1x" in (squeeze.abstract or "")
    project_page = next(e for e in page.entries if e.index == 18)  # a GitHub Pages site, not a repository
    assert "https: //yhli123. github. io/immiscible-diffusion" in (project_page.abstract or "")
    assert project_page.code_repositories == ()

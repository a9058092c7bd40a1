"""loader/text.py and loader/dates.py: normalisation, URLs, yearless dates."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scholarkg.loader.dates import parse_date
from scholarkg.loader.text import collapse, find_code_repositories, find_urls, normalize_key, repair_pdf_urls, slugify


def test_normalize_key_is_nfc_casefolded_and_collapsed() -> None:
    assert normalize_key("  Angles  Don\u2019t\tLIE ") == "angles don\u2019t lie"
    assert normalize_key("Cafe\u0301") == normalize_key("Caf\u00e9")  # NFC
    assert normalize_key("STRASSE") == normalize_key("straße")  # case-folding, not lower()
    assert collapse("a \n b") == "a b"


def test_slugify_is_ascii() -> None:
    assert slugify("Zoë Müller-Lüdenscheidt 0006") == "zoe-muller-ludenscheidt-0006"
    assert slugify("!!!") == "x"


def test_code_repositories() -> None:
    text = (
        "Code: https://github.com/VITA-Group/UVC}. See (github.com/a/b) and https://wandb.ai/x/y, "
        "https://github.com/chenfengxu714/YOGO.git. and https://github. com and https://gitlab.com/o/r."
    )
    assert find_code_repositories(text) == (
        "https://github.com/VITA-Group/UVC",
        "https://github.com/a/b",
        "https://github.com/chenfengxu714/YOGO",
        "https://gitlab.com/o/r",
    )


@pytest.mark.parametrize(
    ("text", "as_of", "expected"),
    [
        ("Apr 1, 2022", dt.date(2026, 11, 23), dt.date(2022, 4, 1)),
        ("Feb 4", dt.date(2026, 11, 23), dt.date(2026, 2, 4)),
        ("Dec 24", dt.date(2026, 11, 23), dt.date(2025, 12, 24)),
        ("Nov 23", dt.date(2026, 11, 23), dt.date(2026, 11, 23)),
        ("Feb 29", dt.date(2026, 11, 23), dt.date(2024, 2, 29)),
    ],
)
def test_dates(text: str, as_of: dt.date, expected: dt.date) -> None:
    assert parse_date(text, as_of) == expected


@pytest.mark.parametrize("text", ["Feb 30, 2023", "Foo 1, 2020", "2020", ""])
def test_bad_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text, dt.date(2026, 11, 23))


# -- links split by PDF text extraction ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("printed", "repaired"),
    [
        ("https: //github. com/SqueezeAILab/SqueezeLLM.", "https://github.com/SqueezeAILab/SqueezeLLM."),
        ("at https: //yhli123. github. io/immiscible-diffusion", "at https://yhli123.github.io/immiscible-diffusion"),
        ("HTTPS : / / gitlab. com/o/r", "https://gitlab.com/o/r"),
        ("http:// example.org/x", "http://example.org/x"),
    ],
)
def test_split_links_are_repaired(printed: str, repaired: str) -> None:
    assert repair_pdf_urls(printed) == repaired


@pytest.mark.parametrize(
    "text",
    [
        "see https: //example. The next sentence",  # a capital after the full stop: a sentence, not a label
        "speed-ups of up to 2. 1x over the baseline",  # no URL at all
        "https://github. com and more",  # no path after the host: too little to be sure
        "ratio 3: //2 of them",
    ],
)
def test_text_that_is_not_a_split_link_is_left_alone(text: str) -> None:
    assert repair_pdf_urls(text) == text


def test_split_repository_links_become_code_repositories() -> None:
    text = "Code: https: //github. com/SqueezeAILab/SqueezeLLM. Page: https: //yhli123. github. io/immiscible-diffusion"
    assert find_code_repositories(text) == ("https://github.com/SqueezeAILab/SqueezeLLM",)
    assert find_urls(text) == (
        "https://github.com/SqueezeAILab/SqueezeLLM",
        "https://yhli123.github.io/immiscible-diffusion",
    )


_URL_TEXT = st.text(alphabet=st.sampled_from("abcXYZ019-./: \t\nhtps"), max_size=80)


@settings(max_examples=300, deadline=None)
@given(_URL_TEXT)
def test_repair_is_idempotent_and_only_removes_spaces(text: str) -> None:
    once = repair_pdf_urls(text)
    assert repair_pdf_urls(once) == once
    assert once.replace(" ", "") == text.replace(" ", "").replace("HTTP", "http").replace("Http", "http") or (
        once.lower().replace(" ", "") == text.lower().replace(" ", "")
    )
    assert len(once) <= len(text)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"https://[a-z]{1,8}\.(com|org|io)/[A-Za-z0-9_-]{1,10}", fullmatch=True))
def test_well_formed_links_are_unchanged(url: str) -> None:
    assert repair_pdf_urls(f"see {url} now") == f"see {url} now"

"""Identifier validation: valid ids, broken check characters, bare forms, canonical IRIs."""

from __future__ import annotations

import base32_lib
import idutils
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scholarkg.linking.identifiers import (
    IdentifierError,
    detect_scheme,
    orcid_check_character,
    parse_arxiv,
    parse_dblp_person,
    parse_dblp_record,
    parse_doi,
    parse_identifier,
    parse_openalex,
    parse_orcid,
    parse_ror,
    parse_wikidata,
)


@pytest.mark.parametrize(
    ("text", "iri"),
    [
        ("https://orcid.org/0000-0002-1825-0097", "https://orcid.org/0000-0002-1825-0097"),
        ("0000-0002-1825-0097", "https://orcid.org/0000-0002-1825-0097"),
        ("http://orcid.org/0000-0001-5109-3700", "https://orcid.org/0000-0001-5109-3700"),
        ("0000-0002-1694-233x", "https://orcid.org/0000-0002-1694-233X"),
        ("https://ror.org/01an7q238", "https://ror.org/01an7q238"),
        ("05A28RW58", "https://ror.org/05a28rw58"),
        ("doi:10.48550/ARXIV.2306.07629", "https://doi.org/10.48550/arxiv.2306.07629"),
        ("https://doi.org/10.1109/CVPR.2019.00012", "https://doi.org/10.1109/cvpr.2019.00012"),
        ("10.5555/3618408.3619107", "https://doi.org/10.5555/3618408.3619107"),
        ("arXiv:2310.17157", "https://arxiv.org/abs/2310.17157"),
        ("2306.07629v4", "https://arxiv.org/abs/2306.07629"),
        ("https://arxiv.org/abs/hep-th/9901001v2", "https://arxiv.org/abs/hep-th/9901001"),
        ("arXiv:math.GT/0309136", "https://arxiv.org/abs/math.GT/0309136"),
        ("Q42", "http://www.wikidata.org/entity/Q42"),
        ("https://www.wikidata.org/wiki/Q42", "http://www.wikidata.org/entity/Q42"),
        ("https://dblp.org/pid/72/3011-1", "https://dblp.org/pid/72/3011-1"),
        ("https://dblp.org/pid/k/KurtKeutzer.html", "https://dblp.org/pid/k/KurtKeutzer"),
        ("https://dblp.org/rec/conf/icml/KimHGLMMK24", "https://dblp.org/rec/conf/icml/KimHGLMMK24"),
        ("https://openalex.org/W2741809807", "https://openalex.org/W2741809807"),
        ("A5023888391", "https://openalex.org/A5023888391"),
    ],
)
def test_valid_forms_normalise_to_one_iri(text: str, iri: str) -> None:
    assert parse_identifier(text).iri == iri


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("0000-0002-1825-0098", "check character is 8, expected 7"),
        ("https://orcid.org/0000-0002-1825-009", "expected 16 characters"),
        ("0000-0000-0000-0001", "outside the ranges"),  # check char fits, never issued
        ("0zzzzzz99", "checksum does not match"),  # idutils.is_ror accepts this
        ("https://ror.org/01an7q239", "checksum does not match"),
        ("https://ror.org/0lan7q238", "no i, l, o, u"),
        ("doi:10.12/abc", "expected 10.<registrant>/<suffix>"),
        ("https://doi.org/10.1000/has space", "without spaces"),
        ("arXiv:2313.00001", "month 13"),
        ("arXiv:1501.0001", "five digits from 1501"),
        ("arXiv:0612.1234", "start in April 2007"),
        ("https://www.wikidata.org/wiki/Q0", "expected an item"),
        ("https://dblp.org/pid/!!", "expected a pid"),
        ("https://openalex.org/X123", "expected W, A, I or S"),
        ("hello world", "unrecognised identifier 'hello world'"),
    ],
)
def test_malformed_ids_are_refused_naming_them(text: str, fragment: str) -> None:
    with pytest.raises(IdentifierError) as info:
        parse_identifier(text)
    assert fragment in str(info.value)
    assert repr(text.strip())[:40].rstrip("'") in str(info.value) or "unrecognised" in str(info.value)


def test_idutils_ror_regex_alone_would_accept_the_bad_checksum() -> None:
    assert idutils.is_ror("0zzzzzz99")  # why base32_lib does the check
    with pytest.raises(IdentifierError):
        parse_ror("0zzzzzz99")


def test_kinds_and_keys() -> None:
    assert parse_openalex("https://openalex.org/I136199984").kind == "organization"
    assert parse_openalex("w123").key == "W123"
    assert parse_dblp_person("k/KurtKeutzer").key == "k/KurtKeutzer"
    assert parse_dblp_record("https://dblp.org/rec/journals/corr/abs-2306-07629.html").key == (
        "journals/corr/abs-2306-07629"
    )
    assert parse_wikidata("wd:Q5").kind == "any"
    assert parse_doi("DOI:10.1145/ABC").key == "10.1145/abc"
    assert parse_doi("https://doi.org/10.1002/(SICI)1097-4571").iri == "https://doi.org/10.1002/(sici)1097-4571"
    assert parse_doi("https://doi.org/10.1000/a%3Cb").iri == "https://doi.org/10.1000/a%3Cb"


def test_bare_dblp_keys_need_the_scheme() -> None:
    assert detect_scheme("72/3011-1") is None
    assert parse_identifier("72/3011-1", "dblp-person").iri == "https://dblp.org/pid/72/3011-1"


# -- properties ------------------------------------------------------------------------------------------
_ORCID_BASES = st.one_of(st.integers(15_000_000, 35_000_000), st.integers(900_000_000_000, 900_100_000_000))


def _orcid(number: int, check: str) -> str:
    digits = f"{number:015d}" + check
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


@settings(max_examples=200, deadline=None)
@given(_ORCID_BASES)
def test_orcid_round_trip_and_every_wrong_check_character_refused(number: int) -> None:
    check = orcid_check_character(f"{number:015d}")
    text = _orcid(number, check)
    parsed = parse_orcid(text)
    assert parsed.iri == f"https://orcid.org/{text}"
    assert parse_orcid(parsed.iri) == parsed
    for wrong in "0123456789X":
        if wrong != check:
            with pytest.raises(IdentifierError, match="check character"):
                parse_orcid(_orcid(number, wrong))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 32**6 - 1))
def test_ror_checksum_round_trip(number: int) -> None:
    key = "0" + base32_lib.encode(number, checksum=True).zfill(8)
    assert parse_ror(key).iri == f"https://ror.org/{key}"
    good = int(key[-2:])
    bad = key[:-2] + f"{(good % 97) + 1 if good < 98 else 2:02d}"
    with pytest.raises(IdentifierError, match="checksum"):
        parse_ror(bad)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(4, 9999),
    st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="%"), min_size=1, max_size=30
    ),
)
def test_doi_compare_case_folded(registrant: int, suffix: str) -> None:
    text = f"10.{registrant:04d}/{suffix}"
    assert parse_doi(text.upper()) == parse_doi(text.lower()) == parse_doi("https://doi.org/" + text)
    assert parse_doi(text).iri.startswith("https://doi.org/10.")


@settings(max_examples=100, deadline=None)
@given(st.integers(7, 99), st.integers(1, 12), st.integers(0, 99999), st.integers(1, 30))
def test_arxiv_new_style(yy: int, mm: int, number: int, version: int) -> None:
    if (yy, mm) < (7, 4):
        return
    digits = f"{number % 10000:04d}" if yy < 15 else f"{number:05d}"
    key = f"{yy:02d}{mm:02d}.{digits}"
    assert parse_arxiv(f"arXiv:{key}v{version}").key == key
    assert parse_identifier(f"https://arxiv.org/abs/{key}").key == key


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_parse_never_crashes_on_strangers(text: str) -> None:
    try:
        parsed = parse_identifier(text)
    except IdentifierError:
        return
    assert parse_identifier(parsed.iri) == parsed  # the canonical form is a fixed point

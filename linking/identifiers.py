"""External identifiers: recognise, validate and normalise ORCID, ROR, DOI, arXiv, Wikidata, dblp, OpenAlex.

Every parser returns an `Identifier` whose `iri` is the one canonical form ScholarKG stores; a malformed id
raises `IdentifierError` naming it (nothing is written). `parse_identifier(text)` detects the scheme from an
IRI or from a bare form where the bare form is unambiguous (`Q42`, `0000-0002-1825-0097`, `doi:10.…`,
`10.…/…`, `arXiv:2310.17157`, `W2741809807`, `0` + ROR); bare dblp keys need the scheme named.

Libraries where they are right: `idutils` for ORCID's issued ranges, `base32_lib` for ROR's Crockford
base32 + ISO 7064 MOD 97-10 checksum (`idutils.is_ror` is a regex and accepts `0zzzzzz99`). ORCID's ISO 7064
MOD 11-2 check character is computed here (idutils' `is_isni` also accepts a wrong check character).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote

import base32_lib
from idutils.utils import orcid_isni_ranges

Scheme = Literal["orcid", "ror", "doi", "arxiv", "wikidata", "dblp-person", "dblp-record", "openalex"]
Kind = Literal["person", "paper", "organization", "venue", "any"]
SCHEMES: tuple[str, ...] = Scheme.__args__  # type: ignore[attr-defined]
SCHEME_NAMES: dict[str, str] = {
    "orcid": "ORCID",
    "ror": "ROR",
    "doi": "DOI",
    "arxiv": "arXiv",
    "wikidata": "Wikidata",
    "dblp-person": "dblp person",
    "dblp-record": "dblp record",
    "openalex": "OpenAlex",
}
MAX_LENGTH = 500


class IdentifierError(ValueError):
    """A malformed identifier; the message names it."""


@dataclass(frozen=True, order=True)
class Identifier:
    scheme: str
    key: str  # the canonical key: `0000-0002-1825-0097`, `10.1145/3292500.3330701`, `Q42`, `72/3011-1`, …
    kind: str

    @property
    def iri(self) -> str:
        return CANONICAL[self.scheme](self.key)

    @property
    def label(self) -> str:
        return f"{SCHEME_NAMES[self.scheme]} {self.key}"

    def __str__(self) -> str:
        return self.iri


def _doi_iri(key: str) -> str:
    return "https://doi.org/" + quote(key, safe="/;:@&=+$,!~*'()[]#?.-_")


CANONICAL = {
    "orcid": lambda k: f"https://orcid.org/{k}",
    "ror": lambda k: f"https://ror.org/{k}",
    "doi": _doi_iri,
    "arxiv": lambda k: f"https://arxiv.org/abs/{k}",
    "wikidata": lambda k: f"http://www.wikidata.org/entity/{k}",
    "dblp-person": lambda k: f"https://dblp.org/pid/{k}",
    "dblp-record": lambda k: f"https://dblp.org/rec/{k}",
    "openalex": lambda k: f"https://openalex.org/{k}",
}


def _fail(scheme: str, text: str, why: str) -> IdentifierError:
    shown = text if len(text) <= 120 else text[:117] + "…"
    return IdentifierError(f"invalid {SCHEME_NAMES[scheme]} {shown!r}: {why}")


def _strip_prefix(text: str, prefixes: tuple[str, ...]) -> str | None:
    lowered = text.lower()
    for prefix in prefixes:
        if lowered.startswith(prefix):
            return text[len(prefix) :]
    return None


# -- ORCID ---------------------------------------------------------------------------------------------
_ORCID = re.compile(r"^(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])$")
_ORCID_PREFIXES = ("https://orcid.org/", "http://orcid.org/", "https://www.orcid.org/", "orcid.org/", "orcid:")


def orcid_check_character(base_digits: str) -> str:
    """ISO 7064 MOD 11-2 over the first 15 digits: '0'…'9' or 'X'."""
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def parse_orcid(text: str) -> Identifier:
    raw = text.strip()
    body = _strip_prefix(raw, _ORCID_PREFIXES)
    body = raw if body is None else body
    match = _ORCID.match(body.upper().rstrip("/"))
    if not match:
        raise _fail("orcid", text, "expected 16 characters like 0000-0002-1825-0097")
    digits = "".join(match.groups())
    expected = orcid_check_character(digits[:15])
    if digits[15] != expected:
        raise _fail("orcid", text, f"check character is {digits[15]}, expected {expected} (ISO 7064 MOD 11-2)")
    number = int(digits[:15])
    if not any(start <= number <= end for start, end in orcid_isni_ranges):
        raise _fail("orcid", text, "outside the ranges ORCID issues identifiers from")
    return Identifier("orcid", "-".join(match.groups()), "person")


# -- ROR -----------------------------------------------------------------------------------------------
_ROR = re.compile(r"^0[0-9a-hjkmnp-tv-z]{6}\d{2}$")
_ROR_PREFIXES = ("https://ror.org/", "http://ror.org/", "ror.org/", "ror:")


def parse_ror(text: str) -> Identifier:
    raw = text.strip()
    body = _strip_prefix(raw, _ROR_PREFIXES)
    key = (raw if body is None else body).rstrip("/").lower()
    if not _ROR.match(key):
        raise _fail("ror", text, "expected 0, six Crockford base32 characters (no i, l, o, u) and two digits")
    try:
        base32_lib.decode(key, checksum=True)
    except ValueError:
        raise _fail("ror", text, "the ISO 7064 MOD 97-10 checksum does not match") from None
    return Identifier("ror", key, "organization")


# -- DOI -----------------------------------------------------------------------------------------------
_DOI = re.compile(r"^10\.\d{4,9}(\.\d+)*/\S+$")
_DOI_PREFIXES = (
    "https://doi.org/",
    "http://doi.org/",
    "https://dx.doi.org/",
    "http://dx.doi.org/",
    "doi.org/",
    "doi:",
    "info:doi/",
)


def parse_doi(text: str) -> Identifier:
    """DOIs are case-insensitive: compared and stored case-folded (dblp and Wikidata print upper case)."""
    raw = text.strip()
    body = _strip_prefix(raw, _DOI_PREFIXES)
    key = raw if body is None else body.strip()
    if body is not None and "%" in key:
        key = unquote(key)
    if not _DOI.match(key) or any(ord(c) < 32 for c in key):
        raise _fail("doi", text, "expected 10.<registrant>/<suffix> without spaces")
    return Identifier("doi", key.casefold(), "paper")


# -- arXiv ---------------------------------------------------------------------------------------------
_ARXIV_NEW = re.compile(r"^(\d{2})(\d{2})\.(\d{4,5})(v\d+)?$")
_ARXIV_OLD = re.compile(r"^([a-z]+(?:-[a-z]+)*)(\.[A-Z]{2})?/(\d{2})(\d{2})(\d{3})(v\d+)?$")
_ARXIV_PREFIXES = (
    "https://arxiv.org/abs/",
    "http://arxiv.org/abs/",
    "https://arxiv.org/pdf/",
    "http://arxiv.org/pdf/",
    "arxiv.org/abs/",
    "arxiv:",
)


def parse_arxiv(text: str) -> Identifier:
    """New style `YYMM.NNNN(N)[vN]` (five digits from 1501), old style `archive[.XX]/YYMMNNN[vN]`.

    The canonical key drops the version: a link is to the paper, not one revision of it.
    """
    raw = text.strip()
    body = _strip_prefix(raw, _ARXIV_PREFIXES)
    key = (raw if body is None else body).rstrip("/")
    if key.endswith(".pdf"):
        key = key[:-4]
    new = _ARXIV_NEW.match(key)
    if new:
        yy, mm, number = int(new[1]), int(new[2]), new[3]
        if not 1 <= mm <= 12:
            raise _fail("arxiv", text, f"month {new[2]} is not 01-12")
        if (yy, mm) < (7, 4):
            raise _fail("arxiv", text, "new-style identifiers start in April 2007 (0704)")
        if (len(number) == 5) != (yy >= 15):
            raise _fail("arxiv", text, "four-digit numbers until 1412, five digits from 1501")
        return Identifier("arxiv", f"{new[1]}{new[2]}.{number}", "paper")
    old = _ARXIV_OLD.match(key)
    if old:
        yy, mm = int(old[3]), int(old[4])
        if not 1 <= mm <= 12:
            raise _fail("arxiv", text, f"month {old[4]} is not 01-12")
        if not (yy >= 91 or (yy, mm) <= (7, 3)):
            raise _fail("arxiv", text, "old-style identifiers run from 1991 to March 2007")
        return Identifier("arxiv", f"{old[1]}{old[2] or ''}/{old[3]}{old[4]}{old[5]}", "paper")
    raise _fail("arxiv", text, "expected YYMM.NNNNN[vN] or archive/YYMMNNN[vN]")


# -- Wikidata ------------------------------------------------------------------------------------------
_QID = re.compile(r"^Q[1-9]\d{0,11}$")
_WIKIDATA_PREFIXES = (
    "http://www.wikidata.org/entity/",
    "https://www.wikidata.org/entity/",
    "https://www.wikidata.org/wiki/",
    "http://www.wikidata.org/wiki/",
    "wd:",
    "wikidata:",
)


def parse_wikidata(text: str) -> Identifier:
    """An item `Q…`; the /wiki/ page address is normalised to the entity IRI."""
    raw = text.strip()
    body = _strip_prefix(raw, _WIKIDATA_PREFIXES)
    key = (raw if body is None else body).rstrip("/")
    if not _QID.match(key):
        raise _fail("wikidata", text, "expected an item Q<digits> or http://www.wikidata.org/entity/Q…")
    return Identifier("wikidata", key, "any")


# -- dblp ----------------------------------------------------------------------------------------------
_DBLP_PID = re.compile(r"^(\d{2,3}/\d{1,6}(-\d{1,3})?|[a-z]/[A-Za-z][A-Za-z0-9_']*(-\d{1,3})?)$")
_DBLP_REC = re.compile(
    r"^(conf|journals|books|phd|series|reference|tr|persons|informal|homepages|www)/[\w.+-]+/[\w.+:-]+$"
)
_DBLP_HOSTS = ("https://dblp.org/", "http://dblp.org/", "https://dblp.uni-trier.de/", "http://dblp.uni-trier.de/")


def parse_dblp_person(text: str) -> Identifier:
    """A person's pid; the whole path is the key (`72/3011-1`, `k/KurtKeutzer`)."""
    raw = text.strip()
    body = _strip_prefix(raw, tuple(h + "pid/" for h in _DBLP_HOSTS))
    key = (raw if body is None else body).rstrip("/")
    for suffix in (".html", ".xml", ".rdf", ".nt", ".ttl"):
        key = key.removesuffix(suffix)
    if not _DBLP_PID.match(key):
        raise _fail("dblp-person", text, "expected a pid like 72/3011-1 or k/KurtKeutzer (https://dblp.org/pid/…)")
    return Identifier("dblp-person", key, "person")


def parse_dblp_record(text: str) -> Identifier:
    raw = text.strip()
    body = _strip_prefix(raw, tuple(h + "rec/" for h in _DBLP_HOSTS))
    key = (raw if body is None else body).rstrip("/")
    for suffix in (".html", ".xml", ".rdf", ".nt", ".ttl", ".bib"):
        key = key.removesuffix(suffix)
    if not _DBLP_REC.match(key):
        raise _fail("dblp-record", text, "expected a record key like conf/icml/KimHGLMMK24 (https://dblp.org/rec/…)")
    return Identifier("dblp-record", key, "paper")


# -- OpenAlex ------------------------------------------------------------------------------------------
_OPENALEX = re.compile(r"^([WAISwais])([1-9]\d{0,14})$")
_OPENALEX_KINDS = {"W": "paper", "A": "person", "I": "organization", "S": "venue"}
_OPENALEX_PREFIXES = ("https://openalex.org/", "http://openalex.org/", "openalex.org/", "openalex:")


def parse_openalex(text: str) -> Identifier:
    raw = text.strip()
    body = _strip_prefix(raw, _OPENALEX_PREFIXES)
    key = (raw if body is None else body).rstrip("/")
    match = _OPENALEX.match(key)
    if not match:
        raise _fail("openalex", text, "expected W, A, I or S followed by digits (https://openalex.org/W…)")
    letter = match[1].upper()
    return Identifier("openalex", letter + match[2], _OPENALEX_KINDS[letter])


PARSERS = {
    "orcid": parse_orcid,
    "ror": parse_ror,
    "doi": parse_doi,
    "arxiv": parse_arxiv,
    "wikidata": parse_wikidata,
    "dblp-person": parse_dblp_person,
    "dblp-record": parse_dblp_record,
    "openalex": parse_openalex,
}

# Recognised by their prefix (IRI or CURIE): the scheme they claim. A claimed scheme that fails is an error.
_BY_PREFIX: tuple[tuple[tuple[str, ...], str], ...] = (
    (_ORCID_PREFIXES, "orcid"),
    (_ROR_PREFIXES, "ror"),
    (_DOI_PREFIXES, "doi"),
    (_ARXIV_PREFIXES, "arxiv"),
    (_WIKIDATA_PREFIXES, "wikidata"),
    (tuple(h + "pid/" for h in _DBLP_HOSTS), "dblp-person"),
    (tuple(h + "rec/" for h in _DBLP_HOSTS), "dblp-record"),
    (_OPENALEX_PREFIXES, "openalex"),
)
# Bare forms that name exactly one scheme.
_BARE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dXx]$"), "orcid"),
    (re.compile(r"^10\.\d+"), "doi"),
    (re.compile(r"^Q\d+$"), "wikidata"),
    (re.compile(r"^[WAIS]\d+$"), "openalex"),
    (re.compile(r"^\d{4}\.\d{4,5}(v\d+)?$"), "arxiv"),
    (re.compile(r"^0[0-9a-z]{6}\d{2}$", re.I), "ror"),
)


def detect_scheme(text: str) -> str | None:
    lowered = text.strip().lower()
    for prefixes, scheme in _BY_PREFIX:
        if lowered.startswith(prefixes):
            return scheme
    for pattern, scheme in _BARE:
        if pattern.match(text.strip()):
            return scheme
    return None


def parse_identifier(text: str, scheme: str | None = None) -> Identifier:
    """The identifier `text` denotes (scheme detected unless given); `IdentifierError` naming it otherwise."""
    if len(text) > MAX_LENGTH:
        raise IdentifierError(f"identifier is longer than {MAX_LENGTH} characters: {text[:60]!r}…")
    if scheme is None:
        scheme = detect_scheme(text)
        if scheme is None:
            shown = text if len(text) <= 120 else text[:117] + "…"
            raise IdentifierError(
                f"unrecognised identifier {shown!r}: expected an ORCID, ROR, DOI, arXiv, Wikidata, dblp or OpenAlex "
                "IRI (or a bare form such as Q42, 0000-0002-1825-0097, doi:10.…, arXiv:2310.17157)"
            )
    if scheme not in PARSERS:
        raise IdentifierError(f"unknown identifier scheme {scheme!r} (one of {', '.join(SCHEMES)})")
    return PARSERS[scheme](text)


def is_external_iri(text: str) -> bool:
    """Whether `text` is one of the recognised schemes' IRIs (not a bare form)."""
    lowered = text.strip().lower()
    return lowered.startswith(("http://", "https://")) and detect_scheme(text) is not None

"""Normalised titles and person-name compatibility (middle names may be missing; initials; nicknames).

`normalize_title`: case-folded, accents and punctuation ignored (dblp's trailing period too), whitespace
collapsed — `"SqueezeLLM: Dense-and-Sparse Quantization."` ≡ `"SqueezeLLM: Dense-and-Sparse Quantization"`.

`name_compatibility(a, b)` (0–1): 1.0 the same name up to case, accents and punctuation; 0.85 one name's
given names are a compatible subsequence of the other's (`Coleman Hooper` ~ `Coleman Richard Charles Hooper`,
`Michael Mahoney` ~ `Michael W. Mahoney`, initials `J. Gonzalez`); 0.75 the first names are a known nickname
pair (`Joey` ~ `Joseph`); 0 otherwise (different family names, or conflicting given names). A dblp homonym
number (`Sehoon Kim 0001`) is not part of the name: `split_homonym` takes it off first.
"""

from __future__ import annotations

import re
import unicodedata

_HOMONYM = re.compile(r"^(?P<name>.*\S)\s+(?P<number>\d{4})$")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)

# Common English given-name pairs (nickname → formal); symmetric lookups below.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "joseph": ("joe", "joey", "jos"),
    "michael": ("mike", "mick", "mikey"),
    "william": ("bill", "will", "billy", "willy", "liam"),
    "robert": ("bob", "rob", "bobby", "robbie", "bert"),
    "richard": ("rick", "dick", "rich", "richie", "ricky"),
    "james": ("jim", "jimmy", "jamie"),
    "thomas": ("tom", "tommy"),
    "christopher": ("chris",),
    "christine": ("chris", "christy"),
    "daniel": ("dan", "danny"),
    "david": ("dave", "davy"),
    "edward": ("ed", "eddie", "ted", "ned"),
    "elizabeth": ("liz", "beth", "betty", "eliza", "lisa"),
    "jennifer": ("jen", "jenny"),
    "jonathan": ("jon", "johnny"),
    "john": ("jack", "johnny"),
    "katherine": ("kate", "kathy", "katie", "kat"),
    "kenneth": ("ken", "kenny"),
    "matthew": ("matt",),
    "nicholas": ("nick", "nicky"),
    "patrick": ("pat",),
    "peter": ("pete",),
    "samuel": ("sam", "sammy"),
    "stephen": ("steve", "stevie"),
    "steven": ("steve", "stevie"),
    "timothy": ("tim", "timmy"),
    "anthony": ("tony",),
    "alexander": ("alex", "sasha", "xander"),
    "benjamin": ("ben", "benny"),
    "andrew": ("andy", "drew"),
    "gregory": ("greg",),
    "jeffrey": ("jeff",),
    "lawrence": ("larry",),
    "margaret": ("maggie", "meg", "peggy"),
    "zachary": ("zach", "zack"),
}
_NICK_PAIRS: set[frozenset[str]] = {frozenset((formal, nick)) for formal, nicks in NICKNAMES.items() for nick in nicks}


def fold(text: str) -> str:
    """Case-folded, accents removed (NFKD), for comparing names and titles."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def normalize_title(title: str) -> str:
    return " ".join(_NON_WORD.sub(" ", fold(title)).split())


def split_homonym(printed: str) -> tuple[str, str | None]:
    """`Sehoon Kim 0001` → (`Sehoon Kim`, `0001`)."""
    text = " ".join(printed.split())
    match = _HOMONYM.match(text)
    return (match["name"], match["number"]) if match else (text, None)


def name_tokens(name: str) -> list[str]:
    return _NON_WORD.sub(" ", fold(split_homonym(name)[0])).split()


def _given_compatible(a: str, b: str) -> str | None:
    """'exact', 'initial', 'nickname' or None."""
    if a == b:
        return "exact"
    if (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b)):
        return "initial"
    if frozenset((a, b)) in _NICK_PAIRS:
        return "nickname"
    return None


def _subsequence(short: list[str], long: list[str]) -> bool:
    """Each token of `short` matches (equal, or as an initial) a token of `long`, in order."""
    position = 0
    for token in short:
        while position < len(long) and _given_compatible(token, long[position]) not in ("exact", "initial"):
            position += 1
        if position == len(long):
            return False
        position += 1
    return True


def name_compatibility(a: str, b: str) -> float:
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return 0.0
    if ta == tb:
        return 1.0
    if "".join(ta) == "".join(tb):  # "Kai-Wei Chang" ~ "Kaiwei Chang"
        return 0.95
    if ta[-1] != tb[-1] or len(ta) == 1 or len(tb) == 1:
        return 0.0
    first = _given_compatible(ta[0], tb[0])
    if first is None:
        return 0.0
    middle_a, middle_b = ta[1:-1], tb[1:-1]
    short, long = (middle_a, middle_b) if len(middle_a) <= len(middle_b) else (middle_b, middle_a)
    if not _subsequence(short, long):
        return 0.0
    if first == "nickname":
        return 0.75
    return 0.85

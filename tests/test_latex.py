"""api/latex.py: `$…$` in titles as MathML, everything else escaped; never a script, never an error."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scholarkg.api.latex import render_tex

MATH = "{http://www.w3.org/1998/Math/MathML}"


def _fragment(html: str) -> ET.Element:
    return ET.fromstring(f"<div>{html}</div>")


def test_formula_becomes_mathml_with_its_source_as_tooltip() -> None:
    html = render_tex(r"Radial Attention: $\mathcal{O}(n\log n)$ Sparse Attention")
    root = _fragment(html)
    assert root.text == "Radial Attention: " and root[0].tail == " Sparse Attention"
    span = root[0]
    assert span.get("class") == "tex" and span.get("title") == r"$\mathcal{O}(n\log n)$"
    math = span[0]
    assert math.tag == f"{MATH}math" and math.get("display") == "inline"
    assert [e.text for e in math.iter(f"{MATH}mi")] == ["\U0001d4aa", "n", "log", "n"]  # 𝒪, n, log, n


@pytest.mark.parametrize(
    ("title", "script"),
    [("M$^3$ViT: Mixture-of-Experts", "msup"), ("H$_2$O: Heavy-Hitter Oracle", "msub")],
)
def test_seed_titles_with_scripts(title: str, script: str) -> None:
    root = _fragment(render_tex(title))
    assert next(root.iter(f"{MATH}{script}")) is not None
    assert "".join(root.itertext()).startswith(title[0])


@pytest.mark.parametrize(
    "text",
    [
        "costs $5 and $6",  # money, not math (pandoc's rule)
        "a $ b $ c",
        "no math here & <b>tags</b>",
        r"$\href{javascript:alert(1)}{x}$",  # converts to a link: not allow-listed MathML, shown as printed
        "$" + "x" * 400 + "$",  # too long to convert
    ],
)
def test_text_that_is_not_a_safe_formula_is_shown_escaped(text: str) -> None:
    html = render_tex(text)
    assert "<math" not in html
    assert _fragment(html).text == text


def test_markup_inside_a_formula_stays_text() -> None:
    html = render_tex("$<script>alert(1)</script>$")
    assert "<script" not in html
    assert all(e.tag.startswith(MATH) or e.tag in ("div", "span") for e in _fragment(html).iter())


_PIECES = st.sampled_from([*"ab $\\^_{}<>&\"'1\n", "\\frac", "\\href", "\\mathcal", "\\sqrt"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_any_title_renders_to_well_formed_safe_markup(text: str) -> None:
    root = _fragment(render_tex(text))  # well-formed: parses as XML
    for element in root.iter():
        assert element.tag in ("div", "span") or element.tag.startswith(MATH)
        assert "href" not in element.attrib and not any(name.startswith("on") for name in element.attrib)

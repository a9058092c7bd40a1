"""LaTeX in titles (`$\\mathcal{O}(n\\log n)$`) rendered as MathML on the server: no script, same CSP.

The stored literal stays as printed; only the HTML shows the formula, with the LaTeX source as its tooltip.
Conversion is `latex2mathml`; its output is checked against an allow-list of MathML elements and attributes
(anything else, an error, or an over-long formula falls back to the escaped source text).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from latex2mathml.converter import convert
from markupsafe import Markup, escape

MATHML = "{http://www.w3.org/1998/Math/MathML}"
MAX_FORMULA = 300  # characters of one $…$ segment; longer ones are shown as printed
MAX_SEGMENTS = 20
# Pandoc's rule for inline TeX: no space just inside either `$`, no digit right after the closing one
# ("costs $5 and $6" is text); `\$` is an escaped dollar.
_SEGMENT = re.compile(
    r"(?<!\\)\$(?P<tex>(?=\S)(?:[^$\\]|\\.){1," + str(MAX_FORMULA) + r"}?)(?<=\S)(?<!\\)\$(?!\d)", re.DOTALL
)
_ELEMENTS = frozenset(
    [
        "math",
        "mrow",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "mspace",
        "msup",
        "msub",
        "msubsup",
        "mfrac",
        "msqrt",
        "mroot",
        "munder",
        "mover",
        "munderover",
        "mstyle",
        "mpadded",
        "mphantom",
        "menclose",
        "mtable",
        "mtr",
        "mtd",
        "mlabeledtr",
        "mfenced",
        "merror",
        "semantics",
        "annotation",
    ]
)
_ATTRIBUTES = frozenset(
    [
        "display",
        "stretchy",
        "mathvariant",
        "fence",
        "separator",
        "lspace",
        "rspace",
        "accent",
        "accentunder",
        "minsize",
        "maxsize",
        "movablelimits",
        "symmetric",
        "columnalign",
        "columnspacing",
        "columnlines",
        "rowalign",
        "rowspacing",
        "rowlines",
        "width",
        "height",
        "depth",
        "linethickness",
        "scriptlevel",
        "displaystyle",
        "notation",
        "form",
        "largeop",
        "mathsize",
        "frame",
        "framespacing",
        "equalrows",
        "equalcolumns",
        "align",
        "columnwidth",
        "encoding",
    ]
)


def _safe_mathml(tex: str) -> str | None:
    """MathML for one formula, or None when it cannot be converted into allow-listed MathML."""
    try:
        mathml = convert(tex, display="inline")
        root = ET.fromstring(mathml)
    except Exception:  # latex2mathml raises many kinds of errors on malformed input
        return None
    for element in root.iter():
        tag = element.tag.removeprefix(MATHML)
        if tag not in _ELEMENTS or any(name not in _ATTRIBUTES for name in element.attrib):
            return None
    return mathml


def render_tex(text: str | None) -> Markup:
    """`text` as HTML: each `$…$` formula as MathML (tooltip: its LaTeX source), the rest escaped."""
    if not text:
        return Markup("")
    out: list[str] = []
    last = 0
    for count, match in enumerate(_SEGMENT.finditer(text)):
        if count >= MAX_SEGMENTS:
            break
        mathml = _safe_mathml(match["tex"])
        if mathml is None:
            continue
        out.append(str(escape(text[last : match.start()])))
        out.append(f'<span class="tex" title="{escape(match.group(0))}">{mathml}</span>')
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))

"""Server-side SVG charts for the HTML pages: a co-author network and a bar chart; no JavaScript needed.

Both are deterministic (same data → same bytes), escape every label, and scale with their `viewBox`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

MAX_NODES = 30


@dataclass(frozen=True)
class Node:
    """A person in the network; `weight` is the number of papers shared with the centre."""

    key: str
    label: str
    href: str | None = None
    weight: int = 1


@dataclass(frozen=True)
class Edge:
    """Two nodes (by key) and the number of papers they wrote together."""

    a: str
    b: str
    weight: int


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _link(href: str | None, body: str) -> str:
    return f"<a href={quoteattr(href)}>{body}</a>" if href else body


def coauthor_network(
    center: Node, coauthors: Sequence[Node], edges: Sequence[Edge], *, width: int = 760, height: int = 520
) -> Markup:
    """The centre person in the middle, at most `MAX_NODES - 1` co-authors on a circle ordered by rank.

    Edge width grows with the number of joint papers; node size with the papers shared with the centre.
    """
    ring = list(coauthors)[: MAX_NODES - 1]
    cx, cy = width / 2, height / 2
    rx, ry = width / 2 - 150, height / 2 - 40  # an ellipse: room for labels left and right
    positions: dict[str, tuple[float, float]] = {center.key: (cx, cy)}
    for index, node in enumerate(ring):
        angle = -math.pi / 2 + 2 * math.pi * index / max(len(ring), 1)
        positions[node.key] = (cx + rx * math.cos(angle), cy + ry * math.sin(angle))
    heaviest = max([e.weight for e in edges] + [n.weight for n in ring] + [1])

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart network" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label={quoteattr(f"Co-author network of {center.label}")}>',
        f"<title>{escape(f'Co-author network of {center.label}')}</title>",
        '<g class="edges">',
    ]
    drawn = [e for e in edges if e.a in positions and e.b in positions and e.a != e.b]
    for edge in sorted(drawn, key=lambda e: (e.weight, e.a, e.b)):
        (x1, y1), (x2, y2) = positions[edge.a], positions[edge.b]
        stroke = 1 + 5 * edge.weight / heaviest
        central = center.key in (edge.a, edge.b)
        parts.append(
            f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
            f'class="{"edge central" if central else "edge"}" stroke-width="{_num(stroke)}">'
            f"<title>{edge.weight} joint paper{'s' if edge.weight != 1 else ''}</title></line>"
        )
    parts.append('</g><g class="nodes">')
    for node in ring:
        x, y = positions[node.key]
        size = 5 + 9 * math.sqrt(node.weight / heaviest)
        anchor = "start" if x > cx + 1 else "end" if x < cx - 1 else "middle"
        dx = size + 4 if anchor == "start" else -(size + 4) if anchor == "end" else 0
        dy = 4 if anchor != "middle" else (-(size + 6) if y < cy else size + 14)
        tip = f"{node.label}: {node.weight} joint paper{'s' if node.weight != 1 else ''}"
        body = (
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(size)}" class="node"/>'
            f'<text x="{_num(x + dx)}" y="{_num(y + dy)}" text-anchor="{anchor}">{escape(node.label)}</text>'
            f"<title>{escape(tip)}</title>"
        )
        parts.append(f"<g>{_link(node.href, body)}</g>")
    parts.append(
        f'<g><circle cx="{_num(cx)}" cy="{_num(cy)}" r="16" class="node center"/>'
        f'<text x="{_num(cx)}" y="{_num(cy + 32)}" text-anchor="middle" class="center">{escape(center.label)}</text>'
        f"</g></g></svg>"
    )
    return Markup("".join(parts))


def bar_chart(
    bars: Sequence[tuple[str, int]], *, title: str, width: int = 720, height: int = 240, unit: str = "paper"
) -> Markup:
    """Vertical bars in the given order, each labelled below with its key and above with its value."""
    top, bottom, side = 24, 30, 16
    usable_w = width - 2 * side
    usable_h = height - top - bottom
    peak = max([value for _, value in bars] + [1])
    slot = usable_w / max(len(bars), 1)
    bar_w = max(2.0, min(48.0, slot * 0.7))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label={quoteattr(title)}><title>{escape(title)}</title>',
        f'<line x1="{side}" y1="{top + usable_h}" x2="{width - side}" y2="{top + usable_h}" class="axis"/>',
    ]
    for index, (label, value) in enumerate(bars):
        h = usable_h * value / peak
        x = side + slot * index + (slot - bar_w) / 2
        y = top + usable_h - h
        mid = x + bar_w / 2
        tip = f"{label}: {value} {unit}{'s' if value != 1 else ''}"
        parts.append(
            f'<g><rect x="{_num(x)}" y="{_num(y)}" width="{_num(bar_w)}" height="{_num(h)}" class="bar">'
            f"<title>{escape(tip)}</title></rect>"
            f'<text x="{_num(mid)}" y="{_num(y - 5)}" text-anchor="middle" class="value">{value}</text>'
            f'<text x="{_num(mid)}" y="{_num(top + usable_h + 18)}" text-anchor="middle">{escape(label)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def years_series(counts: dict[int, int]) -> list[tuple[str, int]]:
    """Every year from the first to the last (gaps as zero bars), oldest first."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    return [(str(year), counts.get(year, 0)) for year in range(first, last + 1)]

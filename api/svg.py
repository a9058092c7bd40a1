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


FONT = 13  # label font size in user units (app.css: svg.network text)
CHAR_WIDTH = 7.4  # generous average advance of a 13 px sans-serif character, for collision boxes
LAYOUT_ITERATIONS = 120
Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def _node_radius(weight: int, heaviest: int) -> float:
    return 5 + 9 * math.sqrt(weight / heaviest)


def force_layout(
    center: str, keys: Sequence[str], edges: Sequence[Edge], *, width: float, height: float, margin: float
) -> dict[str, tuple[float, float]]:
    """Fruchterman–Reingold positions with the centre pinned in the middle; deterministic (no randomness).

    Start: the nodes on a circle in rank order. Every pair repels (k²/d), every edge attracts (d²/k, stronger
    with more joint papers); the step size cools linearly. Positions stay `margin` inside the canvas.
    Cost: LAYOUT_ITERATIONS × (nodes² + edges), at most MAX_NODES nodes.
    """
    cx, cy = width / 2, height / 2
    names = [center, *keys]
    index = {key: i for i, key in enumerate(names)}
    n = len(names)
    radius = min(width, height) / 3
    xs, ys = [cx], [cy]
    for i in range(1, n):
        angle = -math.pi / 2 + 2 * math.pi * (i - 1) / max(n - 1, 1)
        xs.append(cx + radius * math.cos(angle))
        ys.append(cy + radius * math.sin(angle))
    k = 0.9 * math.sqrt((width - 2 * margin) * (height - 2 * margin) / n)
    k2 = k * k
    heaviest = max([e.weight for e in edges] + [1])
    springs = [
        (index[e.a], index[e.b], (0.5 + e.weight / heaviest) / k)
        for e in edges
        if e.a in index and e.b in index and e.a != e.b
    ]
    for step in range(LAYOUT_ITERATIONS if n > 1 else 0):
        temperature = (width / 8) * (1 - step / LAYOUT_ITERATIONS) + 1
        mx, my = [0.0] * n, [0.0] * n
        for a in range(n):
            ax, ay = xs[a], ys[a]
            for b in range(a + 1, n):
                dx, dy = ax - xs[b], ay - ys[b]
                d2 = dx * dx + dy * dy or 0.0001
                f = k2 / d2  # (k²/d) / d: the unit vector folded in
                mx[a] += dx * f
                my[a] += dy * f
                mx[b] -= dx * f
                my[b] -= dy * f
        for a, b, strength in springs:
            dx, dy = xs[a] - xs[b], ys[a] - ys[b]
            f = strength * math.hypot(dx, dy)  # (d²/k) / d
            mx[a] -= dx * f
            my[a] -= dy * f
            mx[b] += dx * f
            my[b] += dy * f
        for i in range(1, n):  # the centre stays put
            length = math.hypot(mx[i], my[i]) or 1.0
            scale = min(length, temperature) / length
            xs[i] = min(width - margin, max(margin, xs[i] + mx[i] * scale))
            ys[i] = min(height - margin, max(margin, ys[i] + my[i] * scale))
    return {key: (xs[i], ys[i]) for key, i in index.items()}


def _label_box(x: float, y: float, r: float, text: str, side: str, gap: float) -> tuple[Box, float, float, str]:
    """Box of a label placed on one side of a node, with its text anchor point and anchor."""
    w, h = len(text) * CHAR_WIDTH, FONT + 2
    if side == "right":
        tx, ty, anchor = x + r + gap, y + FONT / 3, "start"
        return (tx, ty - FONT, tx + w, ty + 2), tx, ty, anchor
    if side == "left":
        tx, ty, anchor = x - r - gap, y + FONT / 3, "end"
        return (tx - w, ty - FONT, tx, ty + 2), tx, ty, anchor
    if side == "above":
        tx, ty, anchor = x, y - r - gap, "middle"
        return (tx - w / 2, ty - FONT, tx + w / 2, ty + 2), tx, ty, anchor
    tx, ty, anchor = x, y + r + gap + FONT - 2, "middle"
    return (tx - w / 2, ty - h + 2, tx + w / 2, ty + 2), tx, ty, anchor


LABEL_PADDING = 2.0  # clear space kept around every label box


def _overlaps(a: Box, b: Box) -> bool:
    pad = LABEL_PADDING
    return a[0] - pad < b[2] and b[0] - pad < a[2] and a[1] - pad < b[3] and b[1] - pad < a[3]


def place_labels(
    nodes: Sequence[tuple[str, str, float, float, float]], *, width: float, height: float
) -> dict[str, tuple[float, float, str, Box]]:
    """Greedy label placement, most important node first: for each node the first candidate position (right,
    left, above, below, then further out) whose box stays on the canvas and overlaps no circle and no placed
    label. A label that fits nowhere is left out (its node keeps its tooltip and its place in the list).

    `nodes`: (key, label, x, y, radius); the result maps a key to (text x, text y, anchor, box)."""
    circles: list[Box] = [(x - r, y - r, x + r, y + r) for _, _, x, y, r in nodes]
    placed: dict[str, tuple[float, float, str, Box]] = {}
    for key, text, x, y, r in nodes:
        for gap in (4, 10, 18, 28):
            found = None
            for side in ("right", "left", "above", "below"):
                box, tx, ty, anchor = _label_box(x, y, r, text, side, gap)
                inside = box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height
                if (
                    inside
                    and not any(_overlaps(box, c) for c in circles)
                    and not any(_overlaps(box, other[3]) for other in placed.values())
                ):
                    found = (tx, ty, anchor, box)
                    break
            if found is not None:
                placed[key] = found
                break
    return placed


def coauthor_network(
    center: Node, coauthors: Sequence[Node], edges: Sequence[Edge], *, width: int = 960, height: int = 680
) -> Markup:
    """The centre person pinned in the middle, at most `MAX_NODES - 1` co-authors placed by a force-directed
    layout (people who wrote together are pulled together), labels placed so that none overlap.

    Edge width grows with the number of joint papers; node size with the papers shared with the centre;
    every node links to the person's page.
    """
    ring = list(coauthors)[: MAX_NODES - 1]
    heaviest = max([e.weight for e in edges] + [n.weight for n in ring] + [1])
    positions = force_layout(center.key, [n.key for n in ring], edges, width=width, height=height, margin=40)
    cx, cy = positions[center.key]
    radius = {n.key: _node_radius(n.weight, heaviest) for n in ring}
    labels = place_labels(
        [(center.key, center.label, cx, cy, 16.0)]
        + [(n.key, n.label, *positions[n.key], radius[n.key]) for n in sorted(ring, key=lambda n: (-n.weight, n.key))],
        width=width,
        height=height,
    )

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
        tip = f"{node.label}: {node.weight} joint paper{'s' if node.weight != 1 else ''}"
        body = f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(radius[node.key])}" class="node"/>'
        if node.key in labels:
            tx, ty, anchor, _ = labels[node.key]
            body += f'<text x="{_num(tx)}" y="{_num(ty)}" text-anchor="{anchor}">{escape(node.label)}</text>'
        parts.append(f"<g>{_link(node.href, body + f'<title>{escape(tip)}</title>')}</g>")
    center_body = f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="16" class="node center"/>'
    if center.key in labels:
        tx, ty, anchor, _ = labels[center.key]
        center_body += (
            f'<text x="{_num(tx)}" y="{_num(ty)}" text-anchor="{anchor}" class="center">{escape(center.label)}</text>'
        )
    parts.append(f"<g>{_link(center.href, center_body)}</g></g></svg>")
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

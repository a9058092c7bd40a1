"""api/svg.py: the co-author picture is a force-directed layout whose labels never collide."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from hypothesis import example, given, settings
from hypothesis import strategies as st

from scholarkg.api import svg

SVG = "{http://www.w3.org/2000/svg}"


def _boxes(drawn: str) -> tuple[list[tuple[float, float, float, float]], list[tuple[float, float, float, float]]]:
    """Label boxes (same metric as the layout) and node circles' boxes, read back from the SVG text."""
    root = ET.fromstring(drawn)
    labels, circles = [], []
    for text in root.iter(f"{SVG}text"):
        x, y, width = float(text.get("x", 0)), float(text.get("y", 0)), len(text.text or "") * svg.CHAR_WIDTH
        left = {"start": x, "end": x - width, "middle": x - width / 2}[text.get("text-anchor", "start")]
        labels.append((left, y - svg.FONT, left + width, y + 2))
    for circle in root.iter(f"{SVG}circle"):
        x, y, r = float(circle.get("cx", 0)), float(circle.get("cy", 0)), float(circle.get("r", 0))
        circles.append((x - r, y - r, x + r, y + r))
    return labels, circles


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Overlap by more than the SVG's 0.1 rounding (the layout keeps 2 units of clear space)."""
    slack = 0.5
    return a[0] + slack < b[2] and b[0] + slack < a[2] and a[1] + slack < b[3] and b[1] + slack < a[3]


def _network(count: int, name_length: int = 22) -> str:
    center = svg.Node("c", "Kurt Keutzer", "/id/person/kurt")
    ring = [
        svg.Node(f"n{i:02d}", f"Co-author {i:02d} " + "x" * (name_length - 13), f"/id/person/p{i}", weight=count - i)
        for i in range(count)
    ]
    edges = [svg.Edge("c", n.key, n.weight) for n in ring]
    edges += [svg.Edge(f"n{i:02d}", f"n{i + 1:02d}", 2) for i in range(0, count - 1, 3)]
    return str(svg.coauthor_network(center, ring, edges))


def test_kurt_sized_network_labels_every_node_without_collisions() -> None:
    drawn = _network(29)
    labels, circles = _boxes(drawn)
    assert len(circles) == 30 and len(labels) == 30  # every node, the centre included, keeps its label
    for i, a in enumerate(labels):
        assert not any(_overlap(a, b) for b in labels[i + 1 :]), a
        assert not any(_overlap(a, c) for c in circles), a
        assert a[0] >= 0 and a[1] >= 0 and a[2] <= 960 and a[3] <= 680


def test_every_node_links_to_its_person() -> None:
    drawn = _network(12)
    root = ET.fromstring(drawn)
    links = [a for a in root.iter(f"{SVG}a")]
    assert sorted(a.get("href") for a in links) == sorted(["/id/person/kurt"] + [f"/id/person/p{i}" for i in range(12)])
    assert all(a.find(f"{SVG}circle") is not None for a in links)


def test_force_layout_pulls_co_authors_together_and_pins_the_centre() -> None:
    keys = [f"n{i}" for i in range(10)]
    edges = [svg.Edge("c", k, 1) for k in keys] + [svg.Edge("n0", "n5", 5)]
    positions = svg.force_layout("c", keys, edges, width=960, height=680, margin=40)
    assert positions["c"] == (480, 340)
    distance = {
        k: ((positions[k][0] - positions["n0"][0]) ** 2 + (positions[k][1] - positions["n0"][1]) ** 2) ** 0.5
        for k in keys[1:]
    }
    assert min(distance, key=distance.__getitem__) == "n5"  # opposite on the starting circle, pulled next to n0
    assert all(40 <= x <= 920 and 40 <= y <= 640 for x, y in positions.values())


@settings(max_examples=60, deadline=None)
@example(count=28, name_length=25)  # once found labels touching within the SVG's rounding
@given(st.integers(min_value=0, max_value=svg.MAX_NODES + 5), st.integers(min_value=1, max_value=40))
def test_labels_never_collide(count: int, name_length: int) -> None:
    drawn = _network(count, name_length)
    labels, circles = _boxes(drawn)
    assert len(circles) == min(count, svg.MAX_NODES - 1) + 1
    for i, a in enumerate(labels):
        assert not any(_overlap(a, b) for b in labels[i + 1 :])
        assert not any(_overlap(a, c) for c in circles)
    assert re.search(r'class="node center"', drawn)

"""The dependency picture of a service: two levels of what it depends on, two of what depends on it.

A small layered layout drawn as inline SVG: dependencies to the left, the
service in the middle, dependents to the right, one column per level. Every
label is escaped: titles are record data.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from itsmctl.graph.cmdb import DependencyGraph

COLUMN_WIDTH = 190
ROW_HEIGHT = 34
BOX_WIDTH = 160
BOX_HEIGHT = 24
MAX_PER_COLUMN = 12
TIER_CLASS = {1: "t1", 2: "t2", 3: "t3", 4: "t4"}


@dataclass(frozen=True)
class Placed:
    ref: str
    column: int
    row: int


def _levels(start: str, step: dict[str, tuple[str, ...]] | dict[str, list[str]], depth: int) -> list[list[str]]:
    levels: list[list[str]] = []
    seen = {start}
    frontier = [start]
    for _ in range(depth):
        following = sorted({other for ref in frontier for other in step.get(ref, ()) if other not in seen})
        seen.update(following)
        if not following:
            break
        levels.append(following)
        frontier = following
    return levels


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def dependency_svg(graph: DependencyGraph, ref: str, depth: int = 2) -> str:
    """Inline SVG; links point at the pages of the other services and CIs (relative to services/)."""
    upstream = _levels(ref, graph.depends_on, depth)  # what it depends on
    downstream = _levels(ref, graph.dependents, depth)  # what depends on it
    columns: list[list[str]] = [*reversed(upstream), [ref], *downstream]
    hidden = {index: max(0, len(refs) - MAX_PER_COLUMN) for index, refs in enumerate(columns)}
    columns = [refs[:MAX_PER_COLUMN] for refs in columns]
    rows = max(len(refs) for refs in columns) + (1 if any(hidden.values()) else 0)
    width = len(columns) * COLUMN_WIDTH
    height = rows * ROW_HEIGHT + 20
    position: dict[str, tuple[int, int]] = {}
    column_of: dict[str, int] = {}
    for column, refs in enumerate(columns):
        top = (rows - len(refs)) * ROW_HEIGHT // 2 + 10
        for row, node_ref in enumerate(refs):
            position[node_ref] = (column * COLUMN_WIDTH + 15, top + row * ROW_HEIGHT)
            column_of[node_ref] = column
    parts = [
        f'<svg class="deps" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Dependencies of {escape(ref)}">'
    ]
    for source, (x, y) in position.items():
        for target in graph.depends_on.get(source, ()):
            # Only edges between neighbouring columns: the picture reads left to right.
            if target in position and column_of[target] == column_of[source] - 1:
                tx, ty = position[target]
                # A dependency sits to the left: the edge runs from its right side to our left side.
                x1, y1, x2, y2 = tx + BOX_WIDTH, ty + BOX_HEIGHT // 2, x, y + BOX_HEIGHT // 2
                mid = (x1 + x2) // 2
                parts.append(f'<path class="edge" d="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}"/>')
    for node_ref, (x, y) in position.items():
        node = graph.nodes[node_ref]
        css = "node focus" if node_ref == ref else f"node {node.kind} {TIER_CLASS.get(node.tier or 0, '')}".rstrip()
        kind, _, name = node_ref.partition(":")
        href = f"{name}.html" if kind == "service" else f"../cis/{name}.html"
        label = escape(_short(node.title))
        parts.append(
            f'<a href="{escape(href)}"><g class="{css}"><title>{escape(node_ref)}</title>'
            f'<rect x="{x}" y="{y}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="5"/>'
            f'<text x="{x + 8}" y="{y + 16}">{label}</text></g></a>'
        )
    for column, count in hidden.items():
        if count:
            x = column * COLUMN_WIDTH + 15
            parts.append(f'<text class="more" x="{x}" y="{height - 8}">+{count} more</text>')
    parts.append("</svg>")
    return "".join(parts)

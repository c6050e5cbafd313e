"""Exporting the dependency graph: JSON, Graphviz DOT and Mermaid."""

from __future__ import annotations

import re
from collections.abc import Sequence

from itsmctl.graph.cmdb import DependencyGraph
from itsmctl.load.omitted import Omission
from itsmctl.report import escape
from itsmctl.report import omitted as omitted_note
from itsmctl.report.escape import terminal, visible


def _selected(graph: DependencyGraph, only: set[str] | None) -> list[str]:
    return sorted(graph.nodes if only is None else only)


def to_json(graph: DependencyGraph, only: set[str] | None = None, omitted: Sequence[Omission] = ()) -> str:
    refs = _selected(graph, only)
    keep = set(refs)
    nodes = []
    for ref in refs:
        node = graph.nodes[ref]
        entry: dict[str, object] = {"id": ref, "kind": node.kind, "title": node.title, "owner": node.owner}
        if node.kind == "service":
            entry.update(tier=node.tier, lifecycle=node.lifecycle, sla=node.sla)
        else:
            entry.update(type=node.ci_type)
            if node.redundancy:
                entry["redundancy"] = {
                    "replicas": node.redundancy.replicas,
                    "minAvailable": node.redundancy.min_available,
                }
        nodes.append(entry)
    edges = [
        {"from": s, "to": t, "relation": "dependsOn"} for s in refs for t in graph.depends_on.get(s, ()) if t in keep
    ]
    payload = {"version": 1, "nodes": nodes, "edges": edges, "omitted": omitted_note.to_json(omitted)}
    return escape.to_json(payload)


def _dot_string(text: str) -> str:
    # Labels are shown as text: each line visible (and no workflow command when the DOT is printed).
    shown = "\n".join(terminal(line) for line in text.split("\n"))
    return '"' + shown.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_TIER_COLOURS = {1: "#d7263d", 2: "#f46036", 3: "#2e86ab", 4: "#8d99ae"}


def to_dot(graph: DependencyGraph, only: set[str] | None = None, omitted: Sequence[Omission] = ()) -> str:
    refs = _selected(graph, only)
    keep = set(refs)
    lines = [
        *omitted_note.comment_lines(omitted, "//"),
        "digraph cmdb {",
        "  rankdir=BT;",
        '  node [fontname="Helvetica", fontsize=10];',
    ]
    for ref in refs:
        node = graph.nodes[ref]
        label = f"{node.title}\n{ref}" + (f"\ntier {node.tier}" if node.tier else "")
        shape = "box" if node.kind == "service" else "ellipse"
        colour = _TIER_COLOURS.get(node.tier or 0, "#555555")
        lines.append(f"  {_dot_string(ref)} [label={_dot_string(label)}, shape={shape}, color={_dot_string(colour)}];")
    for source in refs:
        for target in graph.depends_on.get(source, ()):
            if target in keep:
                lines.append(f"  {_dot_string(source)} -> {_dot_string(target)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


_MERMAID_UNSAFE = re.compile(r'["<>#&`\[\]{}()|;]')


def _mermaid_label(text: str) -> str:
    # Mermaid labels take HTML entities; anything structural is encoded.
    return _MERMAID_UNSAFE.sub(lambda m: f"#{ord(m.group())};", visible(text.replace("\n", " ")))


def to_mermaid(graph: DependencyGraph, only: set[str] | None = None, omitted: Sequence[Omission] = ()) -> str:
    refs = _selected(graph, only)
    ids = {ref: f"n{index}" for index, ref in enumerate(refs)}
    # Mermaid takes comments (%%) only after the diagram type.
    lines = ["flowchart BT", *omitted_note.comment_lines(omitted, "%%")]
    for ref in refs:
        node = graph.nodes[ref]
        label = _mermaid_label(f"{node.title} ({ref})")
        lines.append(f'  {ids[ref]}["{label}"]' if node.kind == "service" else f'  {ids[ref]}(["{label}"])')
    for source in refs:
        for target in graph.depends_on.get(source, ()):
            if target in ids:
                lines.append(f"  {ids[source]} --> {ids[target]}")
    return "\n".join(lines) + "\n"


GRAPH_FORMATS = {"json": to_json, "dot": to_dot, "mermaid": to_mermaid}

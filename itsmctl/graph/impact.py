"""Blast radius: everything that depends, transitively, on what a change touches.

A breadth-first walk up the reverse edges from every touched node at once, so
each impacted node is reached once, at its shortest distance (a diamond counts
once), and cycles cannot loop. Redundancy is honoured at the touched CIs: a
change that takes down no more replicas than the CI can lose leaves it up, so
nothing above it is impacted through it.

Several entries naming one node are one touch (``combine_touches``): their
replicas add up, and an entry without a count takes the whole node down. Two
``{ref: ci:db, replicas: 1}`` entries are two replicas down, as far as anyone
reading the change can tell; read as one, they hid an outage behind redundancy.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from itsmctl.graph.cmdb import DependencyGraph, Node


@dataclass(frozen=True, slots=True)
class Touch:
    """A target of a change: a node, and how many of its replicas go down at once."""

    ref: str
    replicas: int | None = None


@dataclass(frozen=True, slots=True)
class Absorbed:
    """A touched CI whose redundancy keeps it up during the change."""

    ref: str
    replicas_down: int
    replicas: int
    min_available: int

    @property
    def reason(self) -> str:
        return (
            f"{self.ref} keeps {self.replicas - self.replicas_down} of {self.replicas} replicas up "
            f"(needs {self.min_available}); the outage does not pass upward"
        )


@dataclass
class BlastRadius:
    touched: tuple[Touch, ...]
    # ref -> distance from the nearest touched node that is down (0 for touched nodes).
    depth: dict[str, int] = field(default_factory=dict)
    # ref -> the node one step closer to the touched node it was reached from.
    parent: dict[str, str] = field(default_factory=dict)
    absorbed: list[Absorbed] = field(default_factory=list)
    # Touched CIs with redundancy that did not say how many replicas they take down.
    assumed_full: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def path(self, ref: str) -> list[str]:
        """One dependency path from ``ref`` down to the touched node: [ref, ..., target]."""
        path = [ref]
        while path[-1] in self.parent:
            path.append(self.parent[path[-1]])
        return path

    def __contains__(self, ref: object) -> bool:
        return ref in self.depth

    def refs(self) -> list[str]:
        return sorted(self.depth, key=lambda ref: (self.depth[ref], ref))

    def nodes(self, graph: DependencyGraph, kind: str) -> list[Node]:
        return [graph.nodes[ref] for ref in self.refs() if graph.nodes[ref].kind == kind]


def combine_touches(touched: Iterable[Touch]) -> tuple[Touch, ...]:
    """One touch per node, in the order first named: replicas summed, ``None`` (all of it) wins."""
    combined: dict[str, int | None] = {}
    for touch in touched:
        if touch.ref not in combined:
            combined[touch.ref] = touch.replicas
            continue
        before = combined[touch.ref]
        combined[touch.ref] = None if before is None or touch.replicas is None else before + touch.replicas
    return tuple(Touch(ref, replicas) for ref, replicas in combined.items())


def blast_radius(graph: DependencyGraph, touched: Iterable[Touch]) -> BlastRadius:
    touched = combine_touches(touched)
    radius = BlastRadius(touched)
    queue: deque[str] = deque()
    for touch in touched:
        node = graph.nodes.get(touch.ref)
        if node is None:
            radius.unknown.append(touch.ref)
            continue
        redundancy = node.redundancy
        if redundancy is not None:
            if touch.replicas is None:
                radius.assumed_full.append(touch.ref)
            elif touch.replicas <= redundancy.tolerable_loss:
                radius.absorbed.append(
                    Absorbed(touch.ref, touch.replicas, redundancy.replicas, redundancy.min_available)
                )
                continue
        if touch.ref not in radius.depth:
            radius.depth[touch.ref] = 0
            queue.append(touch.ref)
    depth, parent, dependents = radius.depth, radius.parent, graph.dependents
    while queue:
        ref = queue.popleft()
        next_depth = depth[ref] + 1
        for dependent in dependents.get(ref, ()):
            if dependent not in depth:
                depth[dependent] = next_depth
                parent[dependent] = ref
                queue.append(dependent)
    return radius


class ImpactCache:
    """Blast radii computed once per distinct set of touched targets."""

    def __init__(self, graph: DependencyGraph) -> None:
        self.graph = graph
        self._radii: dict[tuple[Touch, ...], BlastRadius] = {}
        # The same targets written in the same order: skip normalising the key.
        self._as_written: dict[tuple[Touch, ...], BlastRadius] = {}

    def radius(self, touched: Iterable[Touch]) -> BlastRadius:
        written = tuple(touched)
        radius = self._as_written.get(written)
        if radius is not None:
            return radius
        # Entries naming one node add up: never collapse them as a set would.
        key = tuple(sorted(combine_touches(written), key=lambda t: t.ref))
        radius = self._radii.get(key)
        if radius is None:
            radius = blast_radius(self.graph, key)
            self._radii[key] = radius
        self._as_written[written] = radius
        return radius

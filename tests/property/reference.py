"""What itsmctl should compute, worked out independently from a ``RepoSpec`` with networkx.

Nothing here imports itsmctl: the graph is built from the generator's own
description of the repository, not from what the loader read.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations

import networkx as nx

from tests.property.strategies import SCHEDULED, ChangeSpec, RepoSpec


def dependency_digraph(repo: RepoSpec) -> nx.DiGraph:
    """An edge A -> B for every 'A dependsOn B'."""
    graph = nx.DiGraph()
    graph.add_nodes_from(node.ref for node in repo.nodes)
    graph.add_edges_from((node.ref, target) for node in repo.nodes for target in node.depends_on)
    return graph


def is_absorbed(repo: RepoSpec, ref: str, replicas: int | None) -> bool:
    """A partial change of a redundant CI that keeps at least minAvailable replicas up."""
    redundancy = repo.node(ref).redundancy
    return redundancy is not None and replicas is not None and replicas <= redundancy[0] - redundancy[1]


def expected_radius(repo: RepoSpec, touches: Iterable[tuple[str, int | None]]) -> dict[str, int]:
    """ref -> distance from the nearest touched node that goes down: what depends on it, transitively."""
    down = {ref for ref, replicas in touches if not is_absorbed(repo, ref, replicas)}
    if not down:
        return {}
    # Walking "is depended on by" edges: the reverse graph, from every down node at once.
    upward = dependency_digraph(repo).reverse(copy=True)
    return dict(nx.multi_source_dijkstra_path_length(upward, down))


def conflicting(repo: RepoSpec, a: ChangeSpec, b: ChangeSpec) -> bool:
    """Overlapping windows, and one touches what the other touches or what depends on it."""
    if a.window is None or b.window is None or not a.window.overlaps(b.window):
        return False
    if set(a.target_refs) & set(b.target_refs):
        return True
    a_radius, b_radius = expected_radius(repo, a.targets), expected_radius(repo, b.targets)
    return any(ref in a_radius for ref in b.target_refs) or any(ref in b_radius for ref in a.target_refs)


def expected_conflicts(repo: RepoSpec) -> set[tuple[str, str]]:
    """Ordered pairs (change, other) of scheduled changes that conflict; listed both ways."""
    scheduled = [c for c in repo.changes if c.status in SCHEDULED and c.window is not None]
    pairs = set()
    for a, b in combinations(scheduled, 2):
        if conflicting(repo, a, b):
            pairs.update({(a.name, b.name), (b.name, a.name)})
    return pairs

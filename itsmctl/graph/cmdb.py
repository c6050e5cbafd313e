"""The CMDB dependency graph of services and CIs.

An edge A -> B means "A depends on B": what a change to B can break is every
node that can reach B (its ancestors). We keep the graph as two adjacency maps
(forward and reverse) because every question we ask of it (blast radius,
conflicts, cycles) is a breadth- or depth-first walk, and building a networkx
graph of 100,000 CIs costs more than a second by itself. ``to_networkx`` gives
the networkx view for export and for the focused subgraphs people look at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import ConfigurationItem, Service

if TYPE_CHECKING:
    import networkx as nx


# The references the graph is drawn from: a report made from it lists a record whose edge it left out.
GRAPH_REFERENCES: dict[str, tuple[str, ...]] = {"Service": ("dependsOn",), "ConfigurationItem": ("dependsOn",)}

# A node is the typed record itself: building 100,000 extra objects for the
# graph would cost more than the walk it serves.
Node = Service | ConfigurationItem


@dataclass
class DependencyGraph:
    nodes: dict[str, Node] = field(default_factory=dict)
    depends_on: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dependents: dict[str, list[str]] = field(default_factory=dict)

    def __contains__(self, ref: object) -> bool:
        return ref in self.nodes

    @property
    def edge_count(self) -> int:
        return sum(len(targets) for targets in self.depends_on.values())

    def edges(self) -> Iterable[tuple[str, str]]:
        for source, targets in self.depends_on.items():
            for target in targets:
                yield source, target

    def to_networkx(self, only: Iterable[str] | None = None) -> nx.DiGraph:
        """A networkx DiGraph of the whole graph, or of the nodes in ``only``."""
        import networkx as nx

        keep = set(self.nodes) if only is None else set(only)
        graph = nx.DiGraph()
        for ref in sorted(keep):
            node = self.nodes[ref]
            graph.add_node(ref, kind=node.kind, title=node.title, tier=node.tier, owner=node.owner)
        graph.add_edges_from((s, t) for s in sorted(keep) for t in self.depends_on.get(s, ()) if t in keep)
        return graph


def build_graph(catalog: Catalog) -> DependencyGraph:
    """The graph of every valid service and CI; references to missing records are left out."""
    graph = DependencyGraph()
    nodes: dict[str, Node] = graph.nodes
    for name, service in catalog.services.items():
        nodes["service:" + name] = service
    for name, item in catalog.cis.items():
        nodes["ci:" + name] = item
    dependents: dict[str, list[str]] = {}
    depends_on = graph.depends_on
    for source, node in nodes.items():
        targets = node.depends_on
        dangling = False
        for target in targets:
            if target in nodes:
                listed = dependents.get(target)
                if listed is None:
                    dependents[target] = [source]
                else:
                    listed.append(source)
            else:
                dangling = True
        depends_on[source] = tuple(t for t in targets if t in nodes) if dangling else targets
    graph.dependents = dependents
    return graph


def neighbourhood(graph: DependencyGraph, focus: str, depth: int) -> set[str]:
    """Nodes within ``depth`` hops of ``focus``, following edges both ways."""
    seen = {focus}
    frontier = [focus]
    for _ in range(depth):
        following = []
        for ref in frontier:
            for other in (*graph.depends_on.get(ref, ()), *graph.dependents.get(ref, ())):
                if other not in seen:
                    seen.add(other)
                    following.append(other)
        frontier = following
    return seen

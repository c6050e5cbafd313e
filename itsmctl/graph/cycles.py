"""Dependency cycles among services and CIs.

Validation runs on every pull request over the whole CMDB, so the common case
(no cycle) must be cheap: an iterative depth-first search over plain adjacency
lists takes ~30 ms for 20,000 CIs, where building the networkx graph alone
takes ten times that. Only when a cycle exists do we hand the graph to
networkx to report one cycle per strongly connected component.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

_GREY, _BLACK = 1, 2


def has_cycle(adjacency: Mapping[str, Sequence[str]]) -> bool:
    colour: dict[str, int] = {}
    for root in adjacency:
        if root in colour:
            continue
        colour[root] = _GREY
        stack = [(root, iter(adjacency[root]))]
        while stack:
            node, successors = stack[-1]
            for successor in successors:
                state = colour.get(successor)
                if state is None:
                    if successor in adjacency:
                        colour[successor] = _GREY
                        stack.append((successor, iter(adjacency[successor])))
                        break
                    colour[successor] = _BLACK
                elif state == _GREY:
                    return True
            else:
                colour[node] = _BLACK
                stack.pop()
    return False


def find_cycles(adjacency: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """One cycle per strongly connected component, each as [a, b, ..., a], sorted."""
    if not has_cycle(adjacency):
        return []
    import networkx as nx  # only on the rare path: importing it costs ~0.2 s

    graph = nx.DiGraph()
    graph.add_edges_from(
        (source, target) for source, targets in adjacency.items() for target in targets if target in adjacency
    )
    cycles = []
    for component in nx.strongly_connected_components(graph):
        if len(component) == 1:
            (node,) = component
            if not graph.has_edge(node, node):
                continue
        # Start from the smallest name so the report is stable between runs.
        edges = nx.find_cycle(graph.subgraph(component), source=min(component))
        nodes = [edge[0] for edge in edges]
        cycles.append([*nodes, nodes[0]])
    return sorted(cycles)

"""Property 2: the blast radius is reverse reachability in the dependsOn graph, and redundancy only removes.

The expected radius is computed with networkx from the generator's own spec
(``reference.py``), never from the graph itsmctl built.
"""

from __future__ import annotations

import json

import networkx as nx
from hypothesis import given
from hypothesis import strategies as st

from itsmctl.graph.cmdb import build_graph
from itsmctl.graph.impact import Touch, blast_radius
from tests.property.harness import load_spec, run_cli, written
from tests.property.reference import dependency_digraph, expected_radius
from tests.property.strategies import RepoSpec, repositories

CMDB_ONLY = repositories(max_changes=0, max_freezes=0)


@given(CMDB_ONLY)
def test_impact_of_every_node_is_everything_that_depends_on_it(repo: RepoSpec) -> None:
    graph = build_graph(load_spec(repo).catalog)
    reference = dependency_digraph(repo)
    assert set(graph.edges()) == set(reference.edges())
    upward = reference.reverse(copy=True)
    for node in repo.nodes:
        # No replicas given: redundancy never cuts the propagation.
        radius = blast_radius(graph, [Touch(node.ref)])
        assert set(radius.refs()) == nx.ancestors(reference, node.ref) | {node.ref}
        assert radius.depth == nx.single_source_shortest_path_length(upward, node.ref)
        for ref in radius.refs():
            path = radius.path(ref)
            assert path[0] == ref and path[-1] == node.ref and len(path) == radius.depth[ref] + 1
            assert all(reference.has_edge(a, b) for a, b in zip(path, path[1:], strict=False))


@given(CMDB_ONLY, st.data())
def test_redundancy_only_ever_removes_from_the_blast_radius(repo: RepoSpec, data: st.DataObject) -> None:
    graph = build_graph(load_spec(repo).catalog)
    reference = dependency_digraph(repo).reverse(copy=True)

    def full_radius(ref: str) -> dict[str, int]:
        return dict(nx.single_source_shortest_path_length(reference, ref))

    chosen = data.draw(st.lists(st.sampled_from(repo.nodes), min_size=1, max_size=4, unique_by=lambda n: n.ref))
    touches = []
    for node in chosen:
        replicas = None
        if node.redundancy is not None:
            replicas = data.draw(st.none() | st.integers(1, node.redundancy[0] + 1))
        touches.append((node.ref, replicas))
    partial = blast_radius(graph, [Touch(ref, replicas) for ref, replicas in touches])
    full = blast_radius(graph, [Touch(ref) for ref, _ in touches])
    assert set(partial.refs()) <= set(full.refs())
    # Exactly: a CI that keeps minAvailable replicas up passes nothing upward; everything else does.
    assert partial.depth == expected_radius(repo, touches)
    assert full.depth == expected_radius(repo, [(ref, None) for ref, _ in touches])
    absorbed = {a.ref for a in partial.absorbed}
    assert absorbed == {ref for ref, replicas in touches if ref not in expected_radius(repo, [(ref, replicas)])}
    # And every redundant CI alone, with every number of replicas down: up to replicas - minAvailable
    # it keeps the outage to itself, from one more on it passes the whole outage upward.
    for node in repo.nodes:
        if node.redundancy is not None:
            replicas, min_available = node.redundancy
            for down in range(1, replicas + 2):
                radius = blast_radius(graph, [Touch(node.ref, down)])
                if down <= replicas - min_available:
                    assert radius.depth == {} and [a.ref for a in radius.absorbed] == [node.ref]
                else:
                    assert radius.depth == full_radius(node.ref)


@given(repositories(max_nodes=8, max_changes=0, max_freezes=0), st.data())
def test_impact_command_lists_the_reverse_reachable_nodes(repo: RepoSpec, data: st.DataObject) -> None:
    node = data.draw(st.sampled_from(repo.nodes))
    replicas = data.draw(st.integers(1, node.redundancy[0])) if node.redundancy and data.draw(st.booleans()) else None
    args = ["impact", node.ref, "--format", "json"] + (["--replicas", str(replicas)] if replicas else [])
    with written(repo) as root:
        code, out, err = run_cli("-C", str(root), *args)
    assert code == 0, err
    payload = json.loads(out)
    listed = {item["ref"]: item["depth"] for item in [*payload["services"], *payload["cis"]]}
    assert listed == expected_radius(repo, [(node.ref, replicas)])
    assert all(item["ref"].startswith("service:") for item in payload["services"])
    assert all(item["ref"].startswith("ci:") for item in payload["cis"])

"""Blast radius: reverse reachability, shortest depth, one path, redundancy, cycles."""

from __future__ import annotations

import networkx as nx

from itsmctl.graph.cmdb import build_graph
from itsmctl.graph.impact import ImpactCache, Touch, blast_radius, combine_touches
from tests.conftest import GOLD_SLA, ci, load_text, service, team


def _graph(*docs: str):  # type: ignore[no-untyped-def]
    loaded = load_text(team(), GOLD_SLA, *docs)
    assert [f for f in loaded.findings if f.severity.name == "ERROR"] == []
    return build_graph(loaded.catalog)


def test_diamond_counts_the_shared_dependent_once_at_its_shortest_depth() -> None:
    graph = _graph(
        ci("db"),
        service("left", depends="[ci:db]"),
        service("right", depends="[ci:db]"),
        service("top", depends="[service:left, service:right, ci:db]"),
    )
    radius = blast_radius(graph, [Touch("ci:db")])
    assert radius.refs() == ["ci:db", "service:left", "service:right", "service:top"]
    assert radius.depth["service:top"] == 1  # direct edge beats the two-hop paths
    assert radius.path("service:top") == ["service:top", "ci:db"]
    assert radius.path("service:left") == ["service:left", "ci:db"]


def test_paths_follow_dependency_edges_down_to_the_target() -> None:
    graph = _graph(ci("net"), ci("host", depends="[ci:net]"), service("app", depends="[ci:host]"))
    radius = blast_radius(graph, [Touch("ci:net")])
    assert radius.path("service:app") == ["service:app", "ci:host", "ci:net"]
    assert radius.depth == {"ci:net": 0, "ci:host": 1, "service:app": 2}
    for ref in radius.refs():
        path = radius.path(ref)
        assert all(path[i + 1] in graph.depends_on[path[i]] for i in range(len(path) - 1))


def test_cycles_terminate_and_everything_on_the_cycle_is_impacted() -> None:
    graph = _graph(
        ci("a", depends="[ci:c]"), ci("b", depends="[ci:a]"), ci("c", depends="[ci:b]"), service("s", depends="[ci:a]")
    )
    radius = blast_radius(graph, [Touch("ci:a")])
    assert set(radius.refs()) == {"ci:a", "ci:b", "ci:c", "service:s"}


def test_redundancy_absorbs_a_partial_change_and_says_so() -> None:
    redundant = "  redundancy: {replicas: 3, minAvailable: 2}\n"
    graph = _graph(ci("cluster", extra=redundant), service("app", depends="[ci:cluster]"))
    absorbed = blast_radius(graph, [Touch("ci:cluster", replicas=1)])
    assert absorbed.refs() == []
    assert [a.ref for a in absorbed.absorbed] == ["ci:cluster"]
    assert "keeps 2 of 3 replicas up" in absorbed.absorbed[0].reason
    too_many = blast_radius(graph, [Touch("ci:cluster", replicas=2)])
    assert too_many.refs() == ["ci:cluster", "service:app"]
    unspecified = blast_radius(graph, [Touch("ci:cluster")])
    assert unspecified.assumed_full == ["ci:cluster"]
    assert "service:app" in unspecified


def test_entries_naming_one_ci_add_up_their_replicas() -> None:
    redundant = "  redundancy: {replicas: 3, minAvailable: 2}\n"
    graph = _graph(ci("cluster", extra=redundant), service("app", depends="[ci:cluster]"))
    one = Touch("ci:cluster", replicas=1)
    cache = ImpactCache(graph)
    for radius in (blast_radius(graph, [one, one]), cache.radius([one, one])):
        assert radius.absorbed == [] and radius.refs() == ["ci:cluster", "service:app"]
    assert cache.radius([one]).absorbed != []  # one entry alone is absorbed; the cache keeps them apart
    # An entry without a count takes the whole CI down, whatever the other entries say.
    whole = cache.radius([one, Touch("ci:cluster")])
    assert whole.assumed_full == ["ci:cluster"] and "service:app" in whole


def test_combining_keeps_the_order_first_named() -> None:
    touches = [Touch("ci:b", 1), Touch("ci:a", 2), Touch("ci:b", 2), Touch("ci:a")]
    assert combine_touches(touches) == (Touch("ci:b", 3), Touch("ci:a"))


def test_unknown_targets_are_reported_not_raised() -> None:
    graph = _graph(ci("a"))
    radius = blast_radius(graph, [Touch("ci:missing"), Touch("ci:a")])
    assert radius.unknown == ["ci:missing"]
    assert radius.refs() == ["ci:a"]


def test_multiple_targets_take_the_nearest_depth() -> None:
    graph = _graph(ci("a"), ci("b", depends="[ci:a]"), service("s", depends="[ci:b]"))
    radius = blast_radius(graph, [Touch("ci:a"), Touch("ci:b")])
    assert radius.depth["service:s"] == 1
    assert radius.path("service:s") == ["service:s", "ci:b"]


def test_blast_radius_is_reverse_reachability_in_networkx() -> None:
    docs = [ci(f"c{i}", depends=f"[ci:c{i // 2}]" if i else "[]") for i in range(40)]
    docs += [
        service(f"s{i}", depends="[" + ", ".join(sorted({f"ci:c{(i * 7) % 40}", f"ci:c{(i * 3 + 1) % 40}"})) + "]")
        for i in range(20)
    ]
    graph = _graph(*docs)
    reference = graph.to_networkx()
    for target in ("ci:c0", "ci:c5", "ci:c17", "service:s3"):
        radius = blast_radius(graph, [Touch(target)])
        assert set(radius.refs()) == nx.ancestors(reference, target) | {target}
        lengths = nx.single_source_shortest_path_length(reference.reverse(copy=False), target)
        assert radius.depth == lengths


def test_impact_cache_reuses_results_for_the_same_target_set() -> None:
    graph = _graph(ci("a"), service("s", depends="[ci:a]"))
    cache = ImpactCache(graph)
    first = cache.radius([Touch("ci:a")])
    assert cache.radius([Touch("ci:a"), Touch("ci:a")]) is first

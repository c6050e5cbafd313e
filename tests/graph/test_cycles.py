from itsmctl.graph.cycles import find_cycles, has_cycle


def test_acyclic_graph_has_no_cycle() -> None:
    assert not has_cycle({"a": ["b", "c"], "b": ["c"], "c": []})
    assert find_cycles({"a": ["b"], "b": []}) == []


def test_self_loop_and_long_cycle_are_each_reported_once() -> None:
    chain = {f"n{i}": [f"n{(i + 1) % 500}"] for i in range(500)}
    chain["self"] = ["self"]
    cycles = find_cycles(chain)
    assert ["self", "self"] in cycles
    long_cycle = next(c for c in cycles if c[0] != "self")
    assert len(long_cycle) == 501 and long_cycle[0] == long_cycle[-1] == "n0"


def test_deep_chain_does_not_hit_the_recursion_limit() -> None:
    chain = {f"n{i}": [f"n{i + 1}"] for i in range(50_000)}
    assert not has_cycle(chain)
    chain["n49999"] = ["n0"]
    assert has_cycle(chain)


def test_edges_to_unknown_nodes_are_ignored() -> None:
    assert not has_cycle({"a": ["missing"]})

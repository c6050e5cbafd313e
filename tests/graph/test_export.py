"""`graph` exports: JSON, DOT and Mermaid, escaped, focused."""

from __future__ import annotations

import json

from itsmctl.graph.cmdb import build_graph, neighbourhood
from itsmctl.report.graph import to_dot, to_json, to_mermaid
from tests.conftest import GOLD_SLA, REPO_ROOT, ci, load_text, service, team

HOSTILE = service("shop", tier=2, depends="[ci:db]").replace(
    "metadata: {name: shop}", 'metadata: {name: shop, title: "Shop \\" ]; evil -> x [label=\\"pwn <b>\\"]"}'
)


def _graph():  # type: ignore[no-untyped-def]
    loaded = load_text(
        team(), GOLD_SLA, ci("net"), ci("db", depends="[ci:net]"), HOSTILE, service("web", depends="[service:shop]")
    )
    return build_graph(loaded.catalog)


def test_json_lists_nodes_and_dependency_edges() -> None:
    payload = json.loads(to_json(_graph()))
    assert {n["id"] for n in payload["nodes"]} == {"ci:net", "ci:db", "service:shop", "service:web"}
    assert {"from": "service:shop", "to": "ci:db", "relation": "dependsOn"} in payload["edges"]
    shop = next(n for n in payload["nodes"] if n["id"] == "service:shop")
    assert shop["tier"] == 2 and shop["owner"] == "team:ops"


def test_focus_keeps_the_neighbourhood() -> None:
    graph = _graph()
    assert neighbourhood(graph, "ci:db", 1) == {"ci:db", "ci:net", "service:shop"}
    payload = json.loads(to_json(graph, neighbourhood(graph, "ci:db", 1)))
    assert {n["id"] for n in payload["nodes"]} == {"ci:db", "ci:net", "service:shop"}
    assert all(e["to"] != "service:shop" or e["from"] == "service:web" for e in payload["edges"])


def test_dot_quotes_labels_so_titles_cannot_add_edges() -> None:
    dot = to_dot(_graph())
    assert dot.startswith("digraph cmdb {") and dot.rstrip().endswith("}")
    assert '"service:shop" -> "ci:db";' in dot
    edges = [line for line in dot.splitlines() if "->" in line and "label" not in line]
    assert len(edges) == 3  # the title's "->" stayed inside a quoted label


def test_mermaid_encodes_structural_characters() -> None:
    text = to_mermaid(_graph())
    assert text.startswith("flowchart BT")
    label_line = next(line for line in text.splitlines() if "service:shop" in line and "[" in line)
    assert "<b>" not in label_line and "#60;b#62;" in label_line
    assert text.count("-->") == 3


def test_cli_on_the_example_repo(run_cli) -> None:  # type: ignore[no-untyped-def]
    root = str(REPO_ROOT)
    full = run_cli("-C", root, "graph")
    assert full.exit_code == 0 and len(json.loads(full.stdout)["nodes"]) > 40
    focused = run_cli("-C", root, "graph", "--focus", "service:checkout", "--depth", "1", "--format", "mermaid")
    assert focused.exit_code == 0 and "Checkout" in focused.stdout
    missing = run_cli("-C", root, "graph", "--focus", "service:chekout")
    assert missing.exit_code == 2 and "did you mean 'service:checkout'" in missing.stderr


def test_impact_cli_on_the_example_repo(run_cli) -> None:  # type: ignore[no-untyped-def]
    root = str(REPO_ROOT)
    result = run_cli("-C", root, "impact", "ci:pg-payments", "--format", "json")
    payload = json.loads(result.stdout)
    services = {s["ref"]: s for s in payload["services"]}
    assert services["service:checkout"]["path"] == ["service:checkout", "service:payments-api", "ci:pg-payments"]
    text = run_cli("-C", root, "impact", "ci:pg-payments").stdout
    assert text.splitlines()[0].startswith("impact of ci:pg-payments: 4 service(s)")
    absorbed = json.loads(run_cli("-C", root, "impact", "ci:prod-eu-k8s", "--replicas", "1", "--format", "json").stdout)
    assert absorbed["absorbed"] and absorbed["services"] == []

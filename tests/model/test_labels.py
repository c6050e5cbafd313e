"""Label selectors compare label values as text, as written: `1` is `'1'`, `0x1F` is `'0x1F'` (not 31),
`True` is `'True'` (not `true`), and `1` is not `true`."""

from __future__ import annotations

import pytest

from itsmctl.flow.gate import decide
from itsmctl.flow.templates import template_problems
from itsmctl.load.safe_yaml import load_documents
from itsmctl.model.labels import label_text, labels_match, written_labels
from itsmctl.model.times import parse_cli_time
from tests.conftest import change, load_text, team


@pytest.mark.parametrize(
    "selector, labels, expected",
    [
        ({"zone": "1"}, {"zone": 1}, True),
        ({"zone": 1}, {"zone": "1"}, True),
        ({"pci": True}, {"pci": "true"}, True),
        ({"pci": True}, {"pci": 1}, False),  # Python says True == 1
        ({"pci": False}, {"pci": 0}, False),
        ({"country": "NO"}, {"country": False}, False),
        ({"country": "NO"}, {"country": "NO"}, True),
        ({"a": "x", "b": "y"}, {"a": "x"}, False),
        ({}, {}, True),
        ({"a": "[1]"}, {"a": [1]}, False),
    ],
)
def test_labels_match_compares_text(selector: dict[str, object], labels: dict[str, object], expected: bool) -> None:
    assert labels_match(selector, labels) is expected


def test_label_text() -> None:
    assert [label_text(v) for v in ("a", True, False, 3, 1.5)] == ["a", "true", "false", "3", "1.5"]


def _service(labels: str) -> str:
    return (
        "apiVersion: itsm/v1\nkind: Service\nmetadata:\n  name: shop\n"
        f"  labels: {labels}\nspec:\n  owner: team:ops\n  tier: 3\n  lifecycle: production\n"
    )


FREEZE = """apiVersion: itsm/v1
kind: Freeze
metadata: {name: zone-1}
spec:
  start: '2026-12-20T00:00:00+01:00'
  end: '2026-12-27T00:00:00+01:00'
  scope: {labels: {zone: '1'}}
"""


def test_a_freeze_on_label_text_covers_the_same_label_written_as_a_number() -> None:
    window = ("2026-12-21T22:00:00+01:00", "2026-12-21T23:00:00+01:00")
    loaded = load_text(
        team(), _service("{zone: 1}"), FREEZE, change("chg-1", "[service:shop]", *window, status="approved")
    )
    decision = decide(loaded.catalog, "shop", None, None, parse_cli_time("2026-12-21T22:30:00+01:00"))
    assert not decision.open and "freeze 'zone-1'" in decision.candidates[0].reason


TEMPLATE = """apiVersion: itsm/v1
kind: StandardChange
metadata: {name: non-pci}
spec:
  owner: team:ops
  allowedTargets: {labels: {pci: true}}
  maxRisk: critical
"""


def test_a_template_for_label_true_does_not_cover_a_service_labelled_1() -> None:
    extra = "  template: standard:non-pci\n"
    window = ("2026-12-21T22:00:00+01:00", "2026-12-21T23:00:00+01:00")
    for labels, allowed in (("{pci: 1}", False), ("{pci: 'true'}", True), ("{pci: true}", True)):
        loaded = load_text(
            team(), _service(labels), TEMPLATE, change("chg-1", "[service:shop]", *window, kind="standard", extra=extra)
        )
        template, problems = template_problems(loaded.catalog.changes["chg-1"], loaded.catalog, "low")
        assert template is not None and (problems == []) is allowed, (labels, problems)


WRITTEN = ["0x1F", "+1", ".5", "0.50", "-0", "1.5e+3", "99.950", "True", "FALSE", "1", "true", "10"]


@pytest.mark.parametrize("written", WRITTEN)
def test_a_label_is_the_text_written_for_records_and_every_selector(written: str) -> None:
    """Service labels, and the selectors of freezes, templates and policy rules, all hold the text as written."""
    policy = (
        "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: p}\nspec:\n  rules:\n    - id: r\n"
        f"      match: {{kinds: [Service], labels: {{zone: {written}}}}}\n      assert: 'true'\n      message: m\n"
    )
    loaded = load_text(
        team(),
        _service(f"{{zone: {written}}}"),
        FREEZE.replace("zone: '1'", f"zone: {written}"),
        TEMPLATE.replace("pci: true", f"zone: {written}"),
        policy,
    )
    assert [f for f in loaded.findings if f.severity.name == "ERROR"] == []
    catalog = loaded.catalog
    assert catalog.services["shop"].record.labels == {"zone": written}
    assert catalog.freezes["zone-1"].scope.labels == {"zone": written}
    assert catalog.standard_changes["non-pci"].labels == {"zone": written}
    assert catalog.policies["p"].rules[0].labels == {"zone": written}
    # The document keeps the value YAML reads (policies' CEL sees a number or a boolean).
    assert catalog.services["shop"].record.body["metadata"]["labels"]["zone"] != written


@pytest.mark.parametrize(
    "service, freeze, covered",
    [
        ("0x1F", "'0x1F'", True),
        ("0x1F", "0x1F", True),
        ("0x1F", "31", False),  # the same number, written another way: another label
        ("'0.50'", "0.50", True),
        ("0.50", "0.5", False),
        ("True", "'True'", True),
        ("True", "true", False),
        ("1", "'1'", True),
        ("1", "true", False),
    ],
)
def test_a_freeze_covers_exactly_the_labels_written_alike(service: str, freeze: str, covered: bool) -> None:
    window = ("2026-12-21T22:00:00+01:00", "2026-12-21T23:00:00+01:00")
    loaded = load_text(
        team(),
        _service(f"{{zone: {service}}}"),
        FREEZE.replace("zone: '1'", f"zone: {freeze}"),
        change("chg-1", "[service:shop]", *window, status="approved"),
    )
    decision = decide(loaded.catalog, "shop", None, None, parse_cli_time("2026-12-21T22:30:00+01:00"))
    assert decision.open is not covered, decision.candidates


def test_labels_merged_from_an_anchor_keep_their_text() -> None:
    text = (
        "apiVersion: itsm/v1\nkind: Service\nmetadata:\n  name: shop\n"
        "  x-shared: &common {zone: 0x1F, n: +1, t: True}\n"
        "  labels: {<<: *common, n: .5, b: 2}\n"
    )
    ((document,), problems) = load_documents(text)
    assert problems == []
    labels = document.data["metadata"]["labels"]  # type: ignore[index]
    assert written_labels(labels) == {"zone": "0x1F", "n": ".5", "t": "True", "b": "2"}

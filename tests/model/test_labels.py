"""Label selectors compare label values as text: `1` is `'1'`, `true` is `'true'`, and `1` is not `true`."""

from __future__ import annotations

import pytest

from itsmctl.flow.gate import decide
from itsmctl.flow.templates import template_problems
from itsmctl.model.labels import label_text, labels_match
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

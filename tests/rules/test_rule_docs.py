"""Every rule's documented examples are executed: docs cannot drift from behaviour.

The failing example must produce findings of that rule, and only that rule, on
every line marked ``# <-``; the passing example must produce no finding at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from itsmctl.rules import REGISTRY, governance_owner
from itsmctl.rules.base import EXPECTED_MARKER, RuleInfo
from itsmctl.validation import validate_path

DOCUMENTED = [info for info in REGISTRY.values() if info.example("Failing")]


def _validate(tmp_path: Path, text: str, rule: str = governance_owner.ID) -> list[tuple[str, int]]:
    root = tmp_path / "repo"
    (root / "catalog").mkdir(parents=True)
    (root / "catalog" / "example.yaml").write_text(text, encoding="utf-8")
    result = validate_path(root)
    # Other rules' examples show a Policy or Freeze without an owner for brevity: that warning is not theirs.
    return [
        (f.rule, f.location.line)
        for f in result.findings
        if f.rule != governance_owner.ID or rule == governance_owner.ID
    ]


def _matches(info: RuleInfo, rule: str) -> bool:
    return rule == info.id or (info.id == "POLICY/RULE" and "/" in rule)


@pytest.mark.parametrize("info", DOCUMENTED, ids=lambda info: info.id)
def test_failing_example_reports_the_rule_at_the_marked_line(info: RuleInfo, tmp_path: Path) -> None:
    example = info.example("Failing")
    assert example is not None
    marked = [number for number, line in enumerate(example.splitlines(), 1) if EXPECTED_MARKER in line]
    assert marked, f"{info.id}: failing example has no '{EXPECTED_MARKER}' marker"
    found = _validate(tmp_path, example, info.id)
    assert found, f"{info.id}: failing example produced no finding"
    assert all(_matches(info, rule) for rule, _ in found), found
    assert sorted({line for _, line in found}) == marked


@pytest.mark.parametrize("info", [i for i in REGISTRY.values() if i.example("Passing")], ids=lambda i: i.id)
def test_passing_example_is_clean(info: RuleInfo, tmp_path: Path) -> None:
    example = info.example("Passing")
    assert example is not None
    assert _validate(tmp_path, example, info.id) == []


@pytest.mark.parametrize("info", list(REGISTRY.values()), ids=lambda info: info.id)
def test_every_rule_is_documented(info: RuleInfo) -> None:
    assert info.summary.endswith("."), info.id
    assert len(info.description.splitlines()) >= 3, f"{info.id}: explain why and how to fix"


def test_rules_without_examples_are_the_ones_yaml_cannot_show() -> None:
    undocumented = {info.id for info in REGISTRY.values() if not info.example("Failing")}
    yaml_cannot_show = {"too-deep", "file-too-large", "encoding", "unsafe-path", "not-a-regular-file", "deceptive-name"}
    needs_two_revisions = {"illegal-transition", "approved-scope-edit", "change-id-collision", "missing-approval"}
    needs_history = {
        "self-approval",
        "direct-commit",
        "emergency-without-pir",
        "outside-window",
        "history-rewrite",
        "untrusted-evidence",
        "invalid-record",
    }
    assert undocumented == yaml_cannot_show | needs_two_revisions | needs_history

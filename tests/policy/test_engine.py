"""Policy rules that fail at run time: a policy-expression finding at the rule's line, per record; the run goes on."""

from __future__ import annotations

import pytest

from itsmctl.validation import check_loaded
from tests.conftest import load_text, team


def _policy(*rules: str) -> str:
    return "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: p}\nspec:\n  rules:\n" + "".join(rules)


def _rule(rule_id: str, assertion: str, when: str | None = None) -> str:
    text = f"    - id: {rule_id}\n      severity: error\n      match: {{kinds: [Team]}}\n"
    if when is not None:
        text += f"      when: {when!r}\n"
    return text + f"      assert: {assertion!r}\n      message: {rule_id} failed\n"


def _findings(*docs: str) -> list[tuple[str, str, int, str]]:
    loaded = load_text(*docs)
    findings = [f for f in check_loaded(loaded).findings if f.rule != "governance-owner"]  # the policies have none
    return sorted((f.rule, f.location.path, f.location.line, f.message) for f in findings)


@pytest.mark.parametrize(
    "assertion, reason",
    [
        ("1 / 0 == 1", "division by zero"),
        ("1 % 0 == 1", "modulo by zero"),
        ("spec.nope.deeper == 1", "no such field or key: 'nope'"),
        ("spec.members[5] == 'x'", "index out of bounds"),
        ("9223372036854775807 + size(spec.members) > 0", "overflow"),
        ("int('x') == 1", "int"),
        ("spec.members + 1 == 1", "No such overload"),
        ("uint(-1) == 1u", "overflow"),
    ],
)
def test_a_runtime_error_is_a_finding_at_the_rule_for_each_record(assertion: str, reason: str) -> None:
    found = _findings(
        _policy(_rule("broken", assertion), _rule("plain", "size(spec.members) >= 2")),
        team("ops", "[alice]"),
        team("dev", "[bob, carol]"),
    )
    broken = [f for f in found if f[0] == "policy-expression"]
    # One per team, both at the rule's assert (line 9 of the one test file), each naming its record.
    assert [(rule, path, line) for rule, path, line, _ in broken] == [("policy-expression", "catalog/test.yaml", 9)] * 2
    assert any("team:ops (catalog/test.yaml:" in m for *_, m in broken)
    assert any("team:dev (catalog/test.yaml:" in m for *_, m in broken)
    assert all(reason in m and "p/broken: assert" in m for *_, m in broken), broken
    # The other rule still ran on every record: ops has one member, dev two.
    assert [f[3] for f in found if f[0] == "p/plain"] == ["plain failed"]


def test_a_failing_when_is_reported_even_where_the_assertion_holds() -> None:
    # `!(when) || assert` would absorb the error when assert is true; the rule must not pass silently.
    found = _findings(_policy(_rule("r", "true", when="1 / 0 == 1")), team("ops"))
    assert [(rule, line) for rule, _, line, _ in found] == [("policy-expression", 9)]
    assert "p/r: when cannot be evaluated for team:ops" in found[0][3]


def test_a_when_that_is_false_skips_an_assertion_that_would_fail() -> None:
    assert _findings(_policy(_rule("r", "1 / 0 == 1", when="false")), team("ops")) == []


def test_a_non_boolean_result_points_at_the_part_that_returned_it() -> None:
    found = _findings(_policy(_rule("r", "'yes'", when="true")), team("ops"))
    assert [(rule, line) for rule, _, line, _ in found] == [("policy-expression", 10)]
    assert "assert returned str, not a boolean" in found[0][3]


def test_a_rule_message_is_bounded_so_one_policy_cannot_make_every_report_huge() -> None:
    """The message is repeated on every record a rule fails: a 1 MB message on 1,000 services was 1 GB of
    output (issue 11 leftovers, item 3). Messages are one sentence: at most 1,000 characters."""
    long = "x" * 1001
    found = _findings(_policy(_rule("r", "false").replace("message: r failed", f"message: {long}")), team("ops"))
    assert [rule for rule, *_ in found] == ["schema"]
    assert "too long" in found[0][3]
    fits = _findings(_policy(_rule("r", "false").replace("message: r failed", f"message: {'x' * 1000}")), team("ops"))
    assert [rule for rule, *_ in fits] == ["p/r"]

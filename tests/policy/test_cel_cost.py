"""The cost bound of policy expressions: what could run unbounded is refused, and no record runs a rule over budget.

Refusals are `policy-expression` findings at the rule's line: when the policy is
read (the part of the cost no record changes: literals, patterns, nesting), or for
one record (the part that grows with the record's data, measured before it runs).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from itsmctl.flow.approvals import ConditionFailure, required_approvals
from itsmctl.load.safe_yaml import load_documents
from itsmctl.policy.cel import MAX_EXPRESSION_LENGTH, CelError, compile_expression
from itsmctl.policy.cel_bound import BUDGET, RecordSizes, value_size
from tests.conftest import change, ci, load_text, team

REPO = Path(__file__).resolve().parents[2]
DIGITS = "[" + ",".join(str(i % 10) for i in range(900)) + "]"


@pytest.mark.parametrize(
    "expression, reason",
    [
        # Nested comprehensions that text patterns could not see: a raw string ending in a backslash, a
        # triple-quoted string in a comment, bytes.
        ("[1].all(x, r'\\' != '' && [2].all(y, true) && '' == '')", "inside another"),
        ("[1].all(x, true // '''\n && [2].exists(y, true) // '''\n)", "inside another"),
        ("[1].all(x, b'\\\\' != b'' && [2].map(y, y).size() > 0)", "inside another"),
        ("[1].map(x, [x].filter(y, true))", "inside another"),
        # One comprehension whose body walks a list literal: quadratic in the policy's size.
        (f"{DIGITS}.all(x, x in {DIGITS})", "more than the limit of 1,000,000"),
        # map() and filter() copy their result at every step in this library: quadratic on their own.
        ("[" + ",".join(["1"] * 1100) + "].map(x, x).size() > 0", "more than the limit of 1,000,000"),
        ("[" + ",".join(["1"] * 1100) + "].filter(x, true).size() > 0", "more than the limit of 1,000,000"),
        # Patterns: compiled at every call; the states they compile to are visited per character.
        ("spec.title.matches(spec.pattern)", "must be a string literal"),
        ("spec.title.matches('(a|b)*a(a|b){2000}c')", "too large"),
        ("'x' + 'x'" + " + 'x'" * 1400, "characters long"),
        ("(" * 70 + "1" + ")" * 70 + " == 1", "levels deep"),
        (" && ".join(f"[{i}].all(x, true)" for i in range(9)), "more than 8 comprehensions"),
    ],
)
def test_what_could_run_unbounded_is_refused_when_the_policy_is_read(expression: str, reason: str) -> None:
    with pytest.raises(CelError, match=reason):
        compile_expression(expression)


def test_the_length_limit_is_the_policy_schemas() -> None:
    schema = json.loads((REPO / "itsmctl/load/schemas/policy.schema.json").read_text())
    lengths = set()

    def collect(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("assert", "when") and isinstance(value, dict):
                    lengths.add(value.get("maxLength"))
                collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(schema)
    assert lengths == {MAX_EXPRESSION_LENGTH}


def _example_expressions() -> list[str]:
    found = []
    for path in sorted((REPO / "policies").glob("*.yaml")):
        documents, problems = load_documents(path.read_text())
        assert not problems
        for document in documents:
            spec = document.data["spec"]  # type: ignore[index]
            for item in spec.get("rules", []) + spec.get("approvals", []):
                found += [item[key] for key in ("assert", "when") if key in item]
    return found


@pytest.mark.parametrize("expression", _example_expressions())
def test_every_expression_of_the_example_policies_is_accepted(expression: str) -> None:
    compile_expression(expression)


@pytest.mark.parametrize(
    "expression",
    [
        "spec.lead in spec.members",
        "has(spec.contact) && has(spec.contact.email)",
        "spec.lifecycle in ['deprecated', 'retired'] && spec.tier >= 3",
        "timestamp(spec.window.end) - timestamp(spec.window.start) <= duration('12h')",
        "[1, 2, 3].exists(n, n == spec.tier)",
    ],
)
def test_ordinary_rules_need_no_check_per_record(expression: str) -> None:
    assert compile_expression(expression).cost.always_within


@pytest.mark.parametrize(
    "expression",
    [
        "spec.targets.all(t, t.startsWith('ci:') || t.startsWith('service:'))",
        "spec.members.exists(m, m == 'alice')",
        "spec.members.all(m, m in spec.admins)",
        "spec.members.map(m, m + '@example.com').exists(a, a == 'x')",
        "spec.members.filter(m, m.startsWith('a')).size() < 3",
        "spec.members.all(m, m.matches('^[a-z][a-z0-9-]{0,38}$'))",
    ],
)
def test_comprehensions_over_the_record_run_on_records_of_ordinary_size(expression: str) -> None:
    rule = compile_expression(expression)
    spec = {"targets": ["ci:db"] * 300, "members": [f"user{i}" for i in range(300)], "admins": ["root"] * 50}
    assert RecordSizes({"spec": spec}).over_budget(rule.cost, rule.variables) is None


def test_a_rule_is_checked_against_the_sizes_of_the_values_it_reads() -> None:
    rule = compile_expression("spec.targets.all(t, t in spec.allowed)")
    assert not rule.cost.always_within

    def over(targets: int, allowed: int, other: int = 0) -> bool:
        spec = {"targets": ["ci:a"] * targets, "allowed": ["ci:b"] * allowed}
        return RecordSizes({"spec": spec, "name": "x" * other}).over_budget(rule.cost, rule.variables) is not None

    assert not over(100, 100)
    assert over(2000, 2000)
    assert not over(2000, 3)  # one long list and one short: linear
    assert not over(100, 100, other=10**7)  # data it does not read costs nothing and buys nothing


def test_value_size_is_the_cel_abstract_size() -> None:
    # one per value, plus characters of strings (and bytes)
    assert value_size([{"ab": [1, "xyz"], "c": None}]) == 1 + (1 + 2) + (1 + 1 + (1 + 3)) + (1 + 1) + 1


def _policy(*rules: tuple[str, str]) -> str:
    # Owned, so the only findings are the rules' own (no governance-owner warning).
    text = "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: p}\nspec:\n  owner: team:ops\n  rules:\n"
    for rule_id, assertion in rules:
        text += (
            f"    - id: {rule_id}\n      severity: error\n      match: {{kinds: [Team]}}\n"
            f"      assert: {json.dumps(assertion)}\n      message: {rule_id} failed\n"
        )
    return text


def test_a_rule_too_costly_for_one_large_record_is_a_finding_at_the_rule_and_the_rest_runs(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    members = "[" + ", ".join(f"user{i}" for i in range(3000)) + "]"
    # A search inside one comprehension: quadratic in the record, fine for a team of ordinary size.
    policy = _policy(("known", "spec.members.all(m, m in spec.members)"), ("small", "size(spec.members) < 10"))
    root = make_repo({"catalog/teams.yaml": team("big", members) + "---\n" + team("ops"), "policies/p.yaml": policy})
    result = run_cli("-C", str(root), "validate", "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    got = sorted((f["rule"], f["path"], f["line"]) for f in findings)
    # The costly rule: one finding, at its assert (line 10 of the policy), for the big team only;
    # the other rule still runs on the big team; the small team passes both.
    assert got == [("p/small", "catalog/teams.yaml", 3), ("policy-expression", "policies/p.yaml", 10)], findings
    message = next(f["message"] for f in findings if f["rule"] == "policy-expression")
    assert "team:big" in message and "too costly for this record" in message and "spec.members has size" in message
    assert result.exit_code == 1


def test_a_raw_string_cannot_hide_a_field_the_rule_reads(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    # Only the fields a rule reads are passed to CEL. The text pattern that found them read r'\' as the
    # start of an escape, so `has(metadata.labels)` looked like part of a string: labels were left out,
    # has() was false, and the rule passed on a record it must fail.
    rule = "metadata.name != '' && !(r'\\' == 'x' || has(metadata.labels) || 'y' == 'z')"
    labelled = "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: ops, labels: {tier: gold}}\nspec: {members: [a]}\n"
    root = make_repo({"catalog/teams.yaml": labelled, "policies/p.yaml": _policy(("nolabels", rule))})
    result = run_cli("-C", str(root), "validate", "--format", "json")
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["p/nolabels"]


def test_an_approval_condition_too_costly_for_the_change_makes_its_requirement_apply() -> None:
    policy = (
        "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: change-management}\nspec:\n"
        "  approvals:\n    - id: cab\n      when: \"spec.description.matches('(a|b)*a(a|b){1000}c')\"\n"
        "      require: [{team: team:cab, count: 2}]\n"
    )
    description = "  description: " + "ab" * 2000 + "\n"
    window = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")
    loaded = load_text(
        team(), team("cab", "[carol, dave]"), ci("db"), policy, change("chg-1", "[ci:db]", *window, extra=description)
    )
    catalog = loaded.catalog
    failures: list[ConditionFailure] = []
    needs = required_approvals(
        catalog.changes["chg-1"], catalog.policies.values(), catalog.owner_of, "low", 10, failures
    )
    assert [(n.team, n.count) for n in needs] == [("team:cab", 2)]
    assert "too costly for this record" in failures[0].message


def test_the_budget_is_what_the_readme_says() -> None:
    readme = (REPO / "README.md").read_text()
    assert f"{BUDGET:,} steps" in readme

"""Approval conditions (`when`) that fail on a change: the requirement applies (fail closed) and plan says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from itsmctl.flow.approvals import ConditionFailure, required_approvals
from itsmctl.flow.plan import build_plan
from tests.conftest import change, ci, load_text, team
from tests.gitrepo import GitRepo

WINDOW = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")


def _policy(when: str) -> str:
    return (
        "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: change-management}\nspec:\n"
        f"  approvals:\n    - id: cab\n      when: {when!r}\n      require: [{{team: team:cab, count: 2}}]\n"
    )


@pytest.mark.parametrize(
    "when, reason",
    [
        ("1 / 0 == 1", "division by zero"),
        ("spec.nope.deeper == 1", "no such field or key: 'nope'"),
        ("risk.score + 9223372036854775807 > 0", "overflow"),
        ("risk.score", "not a boolean"),  # an int is not "true": it used to skip the requirement
    ],
)
def test_a_condition_that_fails_makes_its_requirement_apply(when: str, reason: str) -> None:
    loaded = load_text(
        team(), team("cab", "[carol, dave]"), ci("db"), _policy(when), change("chg-1", "[ci:db]", *WINDOW)
    )
    failures: list[ConditionFailure] = []
    catalog = loaded.catalog
    needs = required_approvals(
        catalog.changes["chg-1"], catalog.policies.values(), catalog.owner_of, "low", 10, failures
    )
    assert [(n.team, n.count) for n in needs] == [("team:cab", 2)]
    assert [(f.policy.name, f.index, f.change) for f in failures] == [("change-management", 0, "chg-1")]
    assert reason in failures[0].message


def test_plan_reports_the_failing_condition_at_its_line_and_still_requires_the_approval(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "base",
        {
            "catalog/teams.yaml": team() + "---\n" + team("cab", "[carol, dave]"),
            "catalog/cmdb.yaml": ci("db"),
            "policies/change.yaml": _policy("1 / 0 == 1"),
        },
    )
    repo.branch("pr")
    repo.commit("add change", {"changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW)})
    plan = build_plan(repo.repo, "main", "pr")
    (item,) = plan.changes
    assert [(n.team, n.count) for n in item.needs] == [("team:cab", 2)]
    found = [(f.rule, f.location.path, f.location.line) for f in plan.findings if f.rule != "governance-owner"]
    # Reported once, although the policy is in force from both the base and the head.
    assert found == [("policy-expression", "policies/change.yaml", 7)]
    (expression,) = [f for f in plan.findings if f.rule == "policy-expression"]
    assert "when cannot be evaluated for change:chg-1: division by zero" in expression.message


def test_a_target_whose_owner_is_unknown_needs_an_approval_nobody_can_give(tmp_path: Path) -> None:
    # `customerFacing: yes` was true under YAML 1.1 and is the text "yes" now: the service does
    # not load in the trusted revision, so its owner is unknown. The owners' approval must not vanish.
    from tests.conftest import service

    owners_policy = (
        "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: change-management}\nspec:\n"
        "  approvals:\n    - id: owners\n      require: [{owners: true}]\n"
    )
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "base",
        {
            "catalog/teams.yaml": team(),
            "catalog/cmdb.yaml": service("shop", extra="  customerFacing: yes\n"),
            "policies/change.yaml": owners_policy,
        },
    )
    repo.branch("pr")
    repo.commit("add change", {"changes/chg-1.yaml": change("chg-1", "[service:shop]", *WINDOW)})
    (item,) = build_plan(repo.repo, "main", "pr").changes
    assert [(n.team, n.count) for n in item.needs] == [("owner-unknown:service:shop", 1)]
    assert "owner of service:shop, which is unknown" in item.needs[0].label

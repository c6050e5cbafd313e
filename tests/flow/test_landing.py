"""A branch made before its change moved on the base branch is judged where it lands (``flow.landing``),
and every requester the versions name is out as an approver."""

from __future__ import annotations

from pathlib import Path

import pytest

from itsmctl.flow.approvals import Approval
from itsmctl.flow.landing import landing_problems
from itsmctl.flow.plan import build_plan
from itsmctl.flow.review import check_approvals, membership
from tests.conftest import GOLD_SLA, approval_policy, change, ci, load_text, service, team
from tests.gitrepo import GitRepo

WINDOW = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "catalog",
        {
            "catalog/teams.yaml": team("ops", "[alice, bob, carol, dave]"),
            "catalog/slas.yaml": GOLD_SLA,
            "catalog/cmdb.yaml": ci("db") + "---\n" + service("shop", tier=2, depends="[ci:db]"),
            "policies/change.yaml": approval_policy("[{owners: true}]", owner="team:ops"),
        },
    )
    return repo


def _change(status: str, targets: str = "[ci:db]", requester: str = "alice") -> str:
    return change("chg-1", targets, *WINDOW, status=status).replace("requester: alice", f"requester: {requester}")


def _stale(repo: GitRepo, on_main: str, on_branch: str) -> None:
    """chg-1 requested on main; branch 'pr' made there; then main gets ``on_main`` and the branch ``on_branch``."""
    repo.commit("request", {"changes/chg-1.yaml": _change("requested")})
    repo.branch("pr")
    repo.checkout("main")
    repo.commit("main moves on", {"changes/chg-1.yaml": on_main})
    repo.checkout("pr")
    repo.commit("branch edits", {"changes/chg-1.yaml": on_branch})


def _found(repo: GitRepo) -> list[tuple[str, str]]:
    plan = build_plan(repo.repo, "main", "pr")
    return [(f.rule, f.message) for f in plan.findings if f.rule in ("approved-scope-edit", "illegal-transition")]


def test_a_stale_branch_cannot_widen_a_change_approved_since(repo: GitRepo) -> None:
    _stale(repo, _change("approved"), _change("requested", targets="[ci:db, service:shop]"))
    ((rule, message),) = _found(repo)
    assert rule == "approved-scope-edit" and "spec.targets" in message and "approved on the base branch" in message


def test_a_stale_branch_cannot_authorise_a_scope_main_widened_since(repo: GitRepo) -> None:
    # main widened the requested change; the branch approves the copy it has, which shows only ci:db.
    _stale(repo, _change("requested", targets="[ci:db, service:shop]"), _change("approved"))
    ((rule, message),) = _found(repo)
    assert rule == "approved-scope-edit" and "would authorise a targets it does not show" in message


def test_no_finding_when_the_base_branch_moved_something_else(repo: GitRepo) -> None:
    # No false alarm: main edited the change while requested, the branch (up to date on scope) approves it.
    _stale(repo, _change("requested").replace("Change chg-1", "Change chg-1 (typo fixed)"), _change("approved"))
    assert _found(repo) == []
    # ... or the branch is up to date: main and branch agree.
    repo.checkout("main")
    repo.commit("approve on main", {"changes/chg-1.yaml": _change("approved")})
    repo.branch("pr2")
    repo.commit("schedule", {"changes/chg-1.yaml": _change("scheduled")})
    assert [f.rule for f in build_plan(repo.repo, "main", "pr2").findings] == []


def test_a_landing_step_the_lifecycle_forbids_is_refused() -> None:
    # As the merge would land it: the head moves requested -> approved, the tip is cancelled already.
    merge_base, head, tip = (
        load_text(team(), ci("db"), _change(status)).catalog.changes["chg-1"]
        for status in ("requested", "approved", "cancelled")
    )
    (problem,) = landing_problems(head, merge_base, tip, pre_approved=False)
    assert not problem.scope and "cancelled on the base branch now" in problem.message


def test_the_requester_cannot_change_under_an_approval(repo: GitRepo) -> None:
    repo.commit("approved", {"changes/chg-1.yaml": _change("approved", requester="bob")})
    repo.branch("pr")
    repo.commit("hand over", {"changes/chg-1.yaml": _change("approved", requester="erin")})
    plan = build_plan(repo.repo, "main", "pr")
    assert [(f.rule, f.location.line) for f in plan.findings] == [("approved-scope-edit", 7)]  # spec.requester


def test_every_requester_the_versions_name_is_out(repo: GitRepo) -> None:
    # bob requested chg-1 at the merge base, main handed it to carol, the branch names dave and approves it.
    _stale(repo, _change("requested", requester="carol"), _change("approved", requester="dave"))
    plan = build_plan(repo.repo, "main", "pr")
    (item,) = plan.changes
    assert item.requesters == ("dave", "alice", "carol")  # head, merge base (as first requested), base tip
    approvals = [Approval(who, "review", True, False, who) for who in ("alice", "carol", "dave", "bob")]
    (result,) = check_approvals(plan, approvals, {}, membership(plan.trusted_catalog, None))["chg-1"]
    assert result.approvers == ["bob"]

"""`plan` on real git repositories: transitions, scope edits, id collisions, renames."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from itsmctl.flow.plan import build_plan
from tests.conftest import GOLD_SLA, approval_policy, change, ci, service, team
from tests.gitrepo import GitRepo

POLICY = approval_policy("[{team: team:cab, count: 2}, {owners: true}]", owner="team:cab")
CAB = team("cab", "[carol, dave, erin]")
WINDOW = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "catalog",
        {
            "catalog/teams.yaml": team() + "---\n" + CAB,
            "catalog/slas.yaml": GOLD_SLA,
            "catalog/cmdb.yaml": ci("db") + "---\n" + service("shop", tier=2, depends="[ci:db]"),
            "policies/change.yaml": POLICY,
        },
    )
    return repo


def _change(name: str, status: str, **kwargs: str) -> str:
    return change(name, kwargs.pop("targets", "[ci:db]"), *WINDOW, status=status, **kwargs)


def rules_of(plan) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.rule for f in plan.findings]


def test_new_requested_change_is_planned_with_risk_and_required_approvals(repo: GitRepo) -> None:
    base = repo.commit("base", {"README.md": "x"})
    repo.branch("pr")
    repo.commit("add change", {"changes/chg-1.yaml": _change("chg-1", "requested")})
    plan = build_plan(repo.repo, "main", "pr")
    assert rules_of(plan) == []
    assert [(r.kind, r.name, r.action) for r in plan.records] == [("Change", "chg-1", "added")]
    (item,) = plan.changes
    assert item.transition == (None, "requested")
    assert item.risk.level in ("low", "medium", "high", "critical")
    assert sorted((n.team, n.count) for n in item.needs) == [("team:cab", 2), ("team:ops", 1)]
    assert plan.merge_base == base


@pytest.mark.parametrize(
    "before, after, ok",
    [
        ("draft", "requested", True),
        ("requested", "approved", True),
        ("approved", "scheduled", True),
        ("scheduled", "in-progress", True),
        ("requested", "scheduled", False),
        ("draft", "approved", False),
        ("completed", "in-progress", False),
        ("in-progress", "cancelled", False),
        ("approved", "requested", True),
    ],
)
def test_transitions_follow_the_lifecycle(repo: GitRepo, before: str, after: str, ok: bool) -> None:
    extra = "  outcome: {summary: done}\n" if before == "completed" else ""
    repo.commit("change", {"changes/chg-1.yaml": _change("chg-1", before, extra=extra)})
    repo.branch("pr")
    repo.commit("move", {"changes/chg-1.yaml": _change("chg-1", after, extra=extra)})
    plan = build_plan(repo.repo, "main", "pr")
    assert ("illegal-transition" in rules_of(plan)) is not ok
    if not ok:
        finding = next(f for f in plan.findings if f.rule == "illegal-transition")
        assert finding.location.path == "changes/chg-1.yaml"
        assert finding.location.line == 8  # the status line


def test_new_change_cannot_start_approved(repo: GitRepo) -> None:
    repo.branch("pr")
    repo.commit("sneak", {"changes/chg-1.yaml": _change("chg-1", "approved")})
    plan = build_plan(repo.repo, "main", "pr")
    assert "illegal-transition" in rules_of(plan)
    assert "must start as draft or requested" in plan.findings[0].message


def test_emergency_may_skip_approval_but_needs_a_pir_to_close(repo: GitRepo) -> None:
    repo.commit("c", {"changes/chg-1.yaml": _change("chg-1", "requested", kind="emergency")})
    repo.branch("pr")
    repo.commit("go", {"changes/chg-1.yaml": _change("chg-1", "in-progress", kind="emergency")})
    assert rules_of(build_plan(repo.repo, "main", "pr")) == []
    repo.checkout("main")
    repo.commit("go", {"changes/chg-1.yaml": _change("chg-1", "in-progress", kind="emergency")})
    repo.branch("close")
    repo.commit("close", {"changes/chg-1.yaml": _change("chg-1", "completed", kind="emergency")})
    plan = build_plan(repo.repo, "main", "close")
    assert rules_of(plan) == ["illegal-transition"]
    assert "post-implementation review" in plan.findings[0].message
    repo.commit(
        "pir",
        {"changes/chg-1.yaml": _change("chg-1", "completed", kind="emergency", extra="  pir: {summary: reviewed}\n")},
    )
    assert rules_of(build_plan(repo.repo, "main", "close")) == []


def test_editing_an_approved_change_needs_it_back_in_requested(repo: GitRepo) -> None:
    repo.commit("approved", {"changes/chg-1.yaml": _change("chg-1", "approved")})
    repo.branch("pr")
    repo.commit("widen", {"changes/chg-1.yaml": _change("chg-1", "approved", targets="[ci:db, service:shop]")})
    plan = build_plan(repo.repo, "main", "pr")
    assert rules_of(plan) == ["approved-scope-edit"]
    assert plan.findings[0].location.line == 9  # spec.targets
    repo.commit("re-request", {"changes/chg-1.yaml": _change("chg-1", "requested", targets="[ci:db, service:shop]")})
    assert rules_of(build_plan(repo.repo, "main", "pr")) == []


def test_parallel_pull_requests_taking_the_same_id_collide(repo: GitRepo) -> None:
    repo.branch("first")
    repo.commit("first", {"changes/a/chg-42.yaml": _change("chg-42", "requested")})
    repo.checkout("main")
    repo.branch("second")
    repo.commit("second", {"changes/b/chg-42.yaml": _change("chg-42", "draft", targets="[service:shop]")})
    repo.checkout("main")
    repo.merge("first", "Merge first")
    plan = build_plan(repo.repo, "main", "second")
    assert "change-id-collision" in rules_of(plan)
    finding = next(f for f in plan.findings if f.rule == "change-id-collision")
    assert finding.location.path == "changes/b/chg-42.yaml"
    assert "changes/a/chg-42.yaml" in finding.message


def test_renamed_file_is_not_a_new_change(repo: GitRepo) -> None:
    repo.commit("c", {"changes/chg-1.yaml": _change("chg-1", "approved")})
    repo.branch("pr")
    repo.mv("changes/chg-1.yaml", "changes/2026/chg-1.yaml")
    repo.commit("move it")
    plan = build_plan(repo.repo, "main", "pr")
    assert rules_of(plan) == []
    (record,) = plan.records
    assert (record.action, record.previous_path, record.path, record.fields) == (
        "modified",
        "changes/chg-1.yaml",
        "changes/2026/chg-1.yaml",
        [],
    )


def test_pull_request_cannot_weaken_the_policy_that_judges_it(repo: GitRepo) -> None:
    repo.branch("pr")
    weaker = POLICY.replace("count: 2", "count: 1").replace(", {owners: true}", "")
    repo.commit("weaken", {"policies/change.yaml": weaker, "changes/chg-1.yaml": _change("chg-1", "requested")})
    plan = build_plan(repo.repo, "main", "pr")
    needs = {(n.team, n.count) for n in plan.changes[0].needs}
    assert needs == {("team:cab", 2), ("team:ops", 1)}


def test_pull_request_cannot_add_its_author_to_the_approving_team(repo: GitRepo) -> None:
    repo.branch("pr")
    repo.commit("join cab", {"catalog/teams.yaml": team() + "---\n" + team("cab", "[carol, dave, erin, mallory]")})
    plan = build_plan(repo.repo, "main", "pr")
    from itsmctl.flow.approvals import team_members

    assert "mallory" not in team_members(plan.trusted_catalog, "team:cab")
    assert "mallory" in team_members(plan.head_catalog, "team:cab")


def test_head_validation_findings_fail_the_plan(repo: GitRepo) -> None:
    repo.branch("pr")
    repo.commit("typo", {"changes/chg-1.yaml": _change("chg-1", "requested", targets="[ci:dbb]")})
    plan = build_plan(repo.repo, "main", "pr")
    assert "dangling-reference" in rules_of(plan)


def test_plan_reads_git_objects_not_the_working_tree(repo: GitRepo) -> None:
    repo.branch("pr")
    repo.commit("c", {"changes/chg-1.yaml": _change("chg-1", "requested")})
    (repo.root / "changes" / "chg-1.yaml").write_text("garbage: [", encoding="utf-8")
    assert rules_of(build_plan(repo.repo, "main", "pr")) == []


def test_cli_formats_and_exit_codes(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo.branch("pr")
    repo.commit("c", {"changes/chg-1.yaml": _change("chg-1", "approved")})
    root = str(repo.root)
    bad = run_cli("-C", root, "plan", "--base", "main", "--head", "pr", "--format", "json")
    assert bad.exit_code == 1
    payload = json.loads(bad.stdout)
    assert payload["changes"][0]["transition"] == {"from": None, "to": "approved"}
    assert payload["findings"][0]["rule"] == "illegal-transition"
    markdown = run_cli("-C", root, "plan", "--base", "main", "--head", "pr", "--format", "markdown")
    assert markdown.stdout.startswith("<!-- itsmctl:plan -->")
    missing = run_cli("-C", root, "plan", "--base", "nope")
    assert missing.exit_code == 2 and "unknown revision" in missing.stderr

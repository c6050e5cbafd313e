"""A pull request that only deletes or loosens a freeze or a policy needs the owner's approval (follow-up 3).

Policies and freezes had no owner, so a pull request that deleted the freeze, let
normal changes through it, or zeroed a risk weight passed ``review`` with anyone's
approval (or none). ``spec.owner`` on a Policy or Freeze now makes edits to it need
that team, as the base branch has it; a new Policy needs the owners of the base
branch's policies; a new Freeze needs nobody. Real git repositories, the real CLI,
``review`` through PyGithub against the local GitHub emulator.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.attacks.hostile import serve_github
from tests.conftest import GOLD_SLA, ci, service, team
from tests.github_emulator import GitHubEmulator
from tests.gitrepo import GitRepo

POLICY = """apiVersion: itsm/v1
kind: Policy
metadata: {name: change-management}
spec:
  owner: team:cab
  approvals:
    - id: sre-for-risk
      when: "risk.score >= 20"
      require: [{team: team:sre}]
"""
FREEZE = """apiVersion: itsm/v1
kind: Freeze
metadata: {name: december}
spec:
  owner: team:cab
  start: "2026-12-01T00:00:00+01:00"
  end: "2026-12-31T00:00:00+01:00"
  reason: Peak trading
  allowedTypes: [emergency]
"""
TEAMS = "---\n".join([team("ops", "[alice, bob]"), team("sre", "[sam]"), team("cab", "[carol, dave]")])
LENIENT = "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: lenient}\nspec:\n  riskWeights: {impact.tier.1: 0}\n"
SPRING = FREEZE.replace("december", "spring").replace("2026-12-", "2027-03-")


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """main: a CAB-owned policy and freeze; branch pr-7 is out."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "catalog",
        {
            "catalog/teams.yaml": TEAMS,
            "catalog/slas.yaml": GOLD_SLA,
            "catalog/cmdb.yaml": ci("db") + "---\n" + service("shop", tier=1, depends="[ci:db]"),
            "catalog/freeze.yaml": FREEZE,
            "policies/change.yaml": POLICY,
        },
    )
    repo.branch("pr-7")
    return repo


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubEmulator]:
    yield from serve_github(monkeypatch)


def _owners(run_cli, repo: GitRepo) -> list[tuple[str, list[str]]]:  # type: ignore[no-untyped-def]
    result = run_cli("-C", str(repo.root), "plan", "--base", "main", "--head", "pr-7", "--format", "json")
    payload: dict[str, Any] = json.loads(result.stdout)
    return [(need["team"], need["records"]) for need in payload["recordOwners"]["required"]]


EDITS = {
    "freeze deleted": {"catalog/freeze.yaml": None},
    "freeze lets normal changes through": {"catalog/freeze.yaml": FREEZE.replace("[emergency]", "[emergency, normal]")},
    "freeze ends early": {"catalog/freeze.yaml": FREEZE.replace("2026-12-31", "2026-12-02")},
    "policy deleted": {"policies/change.yaml": None},
    "risk threshold raised": {"policies/change.yaml": POLICY.replace(">= 20", ">= 90")},
    "owner handed to the author's team": {"policies/change.yaml": POLICY.replace("owner: team:cab", "owner: team:ops")},
}
EXPECTED = {
    "freeze deleted": [("team:cab", ["freeze:december"])],
    "freeze lets normal changes through": [("team:cab", ["freeze:december"])],
    "freeze ends early": [("team:cab", ["freeze:december"])],
    "policy deleted": [("team:cab", ["policy:change-management"])],
    "risk threshold raised": [("team:cab", ["policy:change-management"])],
    "owner handed to the author's team": [("team:cab", ["policy:change-management"])],
}


@pytest.mark.parametrize("edit", EDITS)
def test_editing_or_removing_an_owned_policy_or_freeze_needs_its_base_owner(repo: GitRepo, run_cli, edit: str) -> None:  # type: ignore[no-untyped-def]
    repo.commit(edit, EDITS[edit])
    assert _owners(run_cli, repo) == EXPECTED[edit]


def test_a_new_policy_needs_the_owners_of_the_base_branch_s_policies(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    """A new Policy can zero a risk weight for every later change without touching an existing record."""
    repo.commit("lenient weights", {"policies/lenient.yaml": LENIENT})
    assert _owners(run_cli, repo) == [("team:cab", ["policy:lenient"])]
    text = run_cli("-C", str(repo.root), "plan", "--base", "main", "--head", "pr-7").stdout
    assert "owner of the base branch's policies, for the new policy:lenient" in text


def test_a_new_freeze_needs_nobody(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    """A freeze only ever stops changes or adds risk; a second one under an existing name is an edit of it."""
    repo.commit("another freeze", {"catalog/spring.yaml": SPRING})
    assert _owners(run_cli, repo) == []
    repo.commit("a freeze of the same name", {"catalog/other.yaml": FREEZE.replace("[emergency]", "[normal]")})
    assert _owners(run_cli, repo) == [("team:cab", ["freeze:december"])]


def test_without_owners_on_the_base_branch_a_new_policy_needs_nobody_and_validate_warns(
    tmp_path: Path, run_cli
) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path / "repo")
    unowned = POLICY.replace("  owner: team:cab\n", "")
    repo.commit("catalog", {"catalog/teams.yaml": TEAMS, "policies/change.yaml": unowned})
    repo.branch("pr-7")
    repo.commit("lenient weights", {"policies/lenient.yaml": LENIENT})
    assert _owners(run_cli, repo) == []
    result = run_cli("validate", str(repo.root), "--format", "json")
    found = [(f["rule"], f["severity"], f["path"]) for f in json.loads(result.stdout)["findings"]]
    assert found == [
        ("governance-owner", "warning", "policies/change.yaml"),
        ("governance-owner", "warning", "policies/lenient.yaml"),
    ]
    assert result.exit_code == 0  # a warning: the repository knows the gap exists


def _review(run_cli, repo: GitRepo, github: GitHubEmulator, approvers: tuple[str, ...]):  # type: ignore[no-untyped-def]
    head = repo.repo.commit("pr-7").hexsha
    if 7 not in github.state.pulls:
        github.add_pull(7, "alice", head, repo.repo.commit("main").hexsha)
    github.state.pulls[7].head_sha = head
    github.state.pulls[7].reviews.clear()
    for login in approvers:
        github.review(7, login, "APPROVED", head)
    return run_cli("-C", str(repo.root), "review", "--pr", "7", "--format", "json")


@pytest.mark.parametrize("edit", ["freeze deleted", "freeze lets normal changes through", "policy deleted"])
def test_review_fails_a_pr_that_only_loosens_a_freeze_or_policy_without_its_owner(  # type: ignore[no-untyped-def]
    repo: GitRepo, github: GitHubEmulator, run_cli, edit: str
) -> None:
    repo.commit(edit, EDITS[edit])
    result = _review(run_cli, repo, github, ("bob", "sam"))
    assert result.exit_code == 1, result.stdout
    assert json.loads(result.stdout)["missing"] == ["edited records: 1 more from team:cab"]
    assert _review(run_cli, repo, github, ("carol",)).exit_code == 0


def test_review_fails_a_new_lenient_policy_without_the_policy_owners(  # type: ignore[no-untyped-def]
    repo: GitRepo, github: GitHubEmulator, run_cli
) -> None:
    repo.commit("lenient weights", {"policies/lenient.yaml": LENIENT})
    assert _review(run_cli, repo, github, ("bob",)).exit_code == 1
    assert _review(run_cli, repo, github, ("dave",)).exit_code == 0


@pytest.mark.parametrize(("trailer", "passes"), [("", False), ("Approved-by: Carol <carol@acme.example>\n", True)])
def test_plan_with_trailers_and_audit_ask_the_freeze_owner_too(
    tmp_path: Path, run_cli, trailer: str, passes: bool
) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path / "repo")
    cab = "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: cab}\nspec: {members: [carol@acme.example]}\n"
    repo.commit("catalog", {"catalog/teams.yaml": cab, "catalog/freeze.yaml": FREEZE})
    repo.branch("thaw")
    repo.commit("thaw", {"catalog/freeze.yaml": None}, author="Mallory <mallory@acme.example>")
    repo.checkout("main")
    repo.merge("thaw", f"Merge thaw\n\n{trailer}" if trailer else "Merge thaw")
    plan = run_cli("-C", str(repo.root), "plan", "--base", "HEAD^1", "--head", "HEAD", "--approvals", "trailers")
    assert (plan.exit_code == 0) is passes, plan.stdout
    audit = run_cli("-C", str(repo.root), "audit", "--format", "json", "--fail-on-violation")
    assert (audit.exit_code == 0) is passes, audit.stdout
    if not passes:
        (finding,) = json.loads(audit.stdout)["findings"]
        assert finding["rule"] == "missing-approval" and "freeze:december" in finding["message"]

"""Red-team findings against `plan` and `review` (after issue 11): pull requests that pass review
although what they do, once merged, needed approvals they do not have.

Each test builds a real git repository, runs the real CLI, and `review` goes through PyGithub over
HTTP against the local GitHub emulator. They are expected to fail until the defect is fixed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.attacks.hostile import serve_github
from tests.conftest import GOLD_SLA, change, ci, service
from tests.github_emulator import GitHubEmulator
from tests.gitrepo import GitRepo

WINDOW = ("2027-01-19T22:00:00+01:00", "2027-01-20T00:00:00+01:00")
OWNERS_POLICY = """apiVersion: itsm/v1
kind: Policy
metadata: {name: change-management}
spec:
  approvals:
    - id: owners
      require: [{owners: true}]
"""
TEAMS = (
    "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: ops}\nspec: {members: [alice, bob]}\n---\n"
    "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: cab}\nspec: {members: [carol, dave]}\n"
)
CMDB = ci("db") + "---\n" + service("shop", tier=1, depends="[ci:db]")


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubEmulator]:
    yield from serve_github(monkeypatch)


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """main: ops (alice, bob) owns ci:db and the tier 1 shop on it; every change needs its targets' owners."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "catalog",
        {
            "catalog/teams.yaml": TEAMS,
            "catalog/slas.yaml": GOLD_SLA,
            "catalog/cmdb.yaml": CMDB,
            "policies/change.yaml": OWNERS_POLICY,
        },
    )
    return repo


def _change(status: str = "requested", requester: str = "bob", targets: str = "[ci:db]", end: str = WINDOW[1]) -> str:
    """chg-1 as `itsmctl new change` lays it out: the status a few lines away from targets and window."""
    return (
        "apiVersion: itsm/v1\nkind: Change\nmetadata: {name: chg-1}\nspec:\n"
        f"  title: Upgrade the database\n  type: normal\n  requester: {requester}\n  status: {status}\n"
        "  description: Security fixes.\n"
        "  rollbackPlan: Restore the previous release from the artifact store and restart every node in order.\n"
        "  testPlan: Run the smoke test suite and watch the error rate for fifteen minutes.\n"
        f"  targets: {targets}\n  window: {{start: '{WINDOW[0]}', end: '{end}'}}\n"
    )


def _review(run_cli, repo: GitRepo, github: GitHubEmulator, branch: str, author: str, approvers: tuple[str, ...]):  # type: ignore[no-untyped-def]
    head = repo.repo.commit(branch).hexsha
    github.add_pull(7, author, head, repo.repo.commit("main").hexsha)
    for login in approvers:
        github.review(7, login, "APPROVED", head)
    return run_cli("-C", str(repo.root), "review", "--pr", "7", "--format", "json")


def _plan(run_cli, repo: GitRepo, head: str, *extra: str):  # type: ignore[no-untyped-def]
    return run_cli("-C", str(repo.root), "plan", "--base", "main", "--head", head, *extra)


# --- a branch opened before its change was approved edits the approved change ----------------------


def test_a_stale_branch_cannot_edit_the_scope_of_a_change_approved_since(
    repo: GitRepo, github: GitHubEmulator, run_cli
) -> None:  # type: ignore[no-untyped-def]
    repo.commit("request chg-1", {"changes/chg-1.yaml": _change()})
    repo.branch("widen")  # branched while chg-1 was requested
    repo.checkout("main")
    repo.commit("approve chg-1 (reviewed)", {"changes/chg-1.yaml": _change("approved")})
    repo.checkout("widen")
    # Still "requested" on this branch: only targets and window change; git merges this cleanly into
    # main, where chg-1 is approved, so main ends up with an approved change whose scope nobody approved.
    repo.commit(
        "widen", {"changes/chg-1.yaml": _change(targets="[ci:db, service:shop]", end="2027-01-20T06:00:00+01:00")}
    )
    repo.checkout("main")
    merged = repo.repo.git.merge("--no-commit", "--no-ff", "widen")
    assert "CONFLICT" not in merged
    assert "status: approved" in (repo.root / "changes/chg-1.yaml").read_text()
    assert "service:shop" in (repo.root / "changes/chg-1.yaml").read_text()
    repo.repo.git.merge("--abort")

    plan = _plan(run_cli, repo, "widen", "--format", "json")
    assert plan.exit_code == 1, plan.stdout
    assert "approved-scope-edit" in {f["rule"] for f in json.loads(plan.stdout)["findings"]}
    review = _review(run_cli, repo, github, "widen", "erin", ())
    assert review.exit_code == 1, review.stdout


# --- the approving pull request rewrites who the requester is ----------------------------------------


def test_rewriting_the_requester_does_not_let_the_requester_approve(
    repo: GitRepo, github: GitHubEmulator, run_cli
) -> None:  # type: ignore[no-untyped-def]
    repo.commit("bob requests chg-1", {"changes/chg-1.yaml": _change(requester="bob")})
    repo.branch("approve")
    repo.commit("approve", {"changes/chg-1.yaml": _change("approved", requester="erin")})
    # bob requested chg-1 on the base branch: his approval is his own, whoever the head names.
    review = _review(run_cli, repo, github, "approve", "erin", ("bob",))
    assert review.exit_code == 1, review.stdout


def test_control_the_requester_cannot_approve_when_not_rewritten(
    repo: GitRepo, github: GitHubEmulator, run_cli
) -> None:  # type: ignore[no-untyped-def]
    repo.commit("bob requests chg-1", {"changes/chg-1.yaml": _change(requester="bob")})
    repo.branch("approve")
    repo.commit("approve", {"changes/chg-1.yaml": _change("approved", requester="bob")})
    review = _review(run_cli, repo, github, "approve", "erin", ("bob",))
    assert review.exit_code == 1, review.stdout


# --- two rolling targets on one CI take down more replicas than it can lose ----------------------------


def test_two_rolling_entries_on_one_ci_are_not_absorbed(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    redundant = ci("db", extra="  redundancy: {replicas: 3, minAvailable: 2}\n")
    root = make_repo(
        {
            "catalog/teams.yaml": TEAMS,
            "catalog/slas.yaml": GOLD_SLA,
            "catalog/cmdb.yaml": redundant + "---\n" + service("shop", tier=1, depends="[ci:db]"),
        }
    )

    def risk(targets: str) -> dict[str, Any]:
        (root / "changes").mkdir(exist_ok=True)
        (root / "changes/chg-1.yaml").write_text(change("chg-1", targets, *WINDOW))
        result = run_cli("-C", str(root), "risk", "chg-1", "--format", "json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)  # type: ignore[no-any-return]

    two_at_once = risk("[{ref: ci:db, replicas: 2}]")
    assert [s["ref"] for s in two_at_once["blastRadius"]["services"]] == ["service:shop"]
    # The same two replicas, written as two entries of one replica each:
    split = risk("[{ref: ci:db, replicas: 1}, {ref: ci:db, replicas: 1}]")
    assert split["blastRadius"]["absorbed"] == []
    assert split["score"] == two_at_once["score"]


# --- a record file that is a symlink: the pull request edits the file it points to --------------------


def _link_then_edit(repo: GitRepo, target: str, link: str, content: str, edited: str) -> None:
    """main gets ``link`` -> ``target`` (outside the record folders), then branch ``edit`` changes only ``target``."""
    repo.write({target: content})
    path = repo.root / link
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(os.path.relpath(repo.root / target, path.parent), path)
    repo.repo.index.add([link])
    repo.commit("keep the record in drafts/, linked from its folder")
    repo.branch("edit")
    repo.commit("tidy the draft", {target: edited})


def test_approving_a_change_through_its_symlink_target_is_seen(repo: GitRepo, github: GitHubEmulator, run_cli) -> None:  # type: ignore[no-untyped-def]
    _link_then_edit(repo, "drafts/chg-1.yaml", "changes/chg-1.yaml", _change(), _change("approved"))
    assert run_cli("-C", str(repo.root), "validate").exit_code == 0
    plan = _plan(run_cli, repo, "edit", "--format", "json")
    payload = json.loads(plan.stdout)
    assert [c["transition"] for c in payload["changes"]] == [{"from": "requested", "to": "approved"}]
    review = _review(run_cli, repo, github, "edit", "erin", ())
    assert review.exit_code == 1, review.stdout


def test_a_pull_request_cannot_join_a_team_through_a_symlinked_team_file(
    repo: GitRepo, github: GitHubEmulator, run_cli
) -> None:  # type: ignore[no-untyped-def]
    repo.commit("request chg-1", {"changes/chg-1.yaml": _change()})
    joined = TEAMS.replace("members: [alice, bob]", "members: [alice, bob, mallory]")
    repo.write({"catalog/teams.yaml": None})
    _link_then_edit(repo, "people/teams.yaml", "catalog/teams.yaml", TEAMS, joined)
    repo.commit("approve", {"changes/chg-1.yaml": _change("approved")})
    review = _review(run_cli, repo, github, "edit", "erin", ("mallory",))
    assert review.exit_code == 1, review.stdout


# --- closed history rewritten without its owners -------------------------------------------------------

FAILED = change("chg-0", "[ci:db]", "2026-11-01T22:00:00+01:00", "2026-11-01T23:00:00+01:00", "failed").replace(
    "  status: failed\n", "  status: failed\n  outcome: {summary: it broke the database}\n"
)
OUTAGE = """apiVersion: itsm/v1
kind: Incident
metadata: {name: inc-1}
spec:
  title: Checkout was down
  priority: P1
  services: [service:shop]
  impact: {kind: outage, customerFacing: true}
  opened: "2026-11-04T10:02:00+01:00"
  acknowledged: "2026-11-04T10:09:00+01:00"
  resolved: "2026-11-04T20:51:00+01:00"
  status: resolved
  summary: The database ran out of connections.
"""


@pytest.mark.xfail(
    strict=True,
    reason="flow.owners: removing a closed change or an incident needs the owners, but rewriting it "
    "(a failed change's targets, a resolved outage turned 'degraded') needs nobody, with the same effect",
)
@pytest.mark.parametrize("rewrite", ["failed change retargeted", "resolved outage made degraded"])
def test_rewriting_closed_history_needs_its_owners(
    repo: GitRepo, github: GitHubEmulator, run_cli, rewrite: str
) -> None:  # type: ignore[no-untyped-def]
    repo.commit("history", {"changes/chg-0.yaml": FAILED, "catalog/incidents.yaml": OUTAGE})
    repo.branch("tidy")
    if rewrite == "failed change retargeted":
        repo.commit(
            "tidy",
            {
                "catalog/cmdb.yaml": CMDB + "---\n" + ci("spare"),
                "changes/chg-0.yaml": FAILED.replace("[ci:db]", "[ci:spare]"),
            },
        )
    else:
        repo.commit("tidy", {"catalog/incidents.yaml": OUTAGE.replace("kind: outage", "kind: degraded")})
    # Control: deleting the record instead needs the owners (documented).
    review = _review(run_cli, repo, github, "tidy", "erin", ())
    assert review.exit_code == 1, review.stdout


def test_approving_a_change_in_a_symlinked_changes_folder_is_seen(
    repo: GitRepo, github: GitHubEmulator, run_cli
) -> None:  # type: ignore[no-untyped-def]
    repo.write({"work/changes/chg-1.yaml": _change()})
    os.symlink("work/changes", repo.root / "changes")
    repo.repo.index.add(["changes"])
    repo.commit("keep changes under work/, linked")
    assert "chg-1" in run_cli("-C", str(repo.root), "risk", "--all").stdout  # the working tree reads it
    repo.branch("edit")
    repo.commit("tidy", {"work/changes/chg-1.yaml": _change("approved")})
    payload = json.loads(_plan(run_cli, repo, "edit", "--format", "json").stdout)
    assert [c["transition"] for c in payload["changes"]] == [{"from": "requested", "to": "approved"}]
    review = _review(run_cli, repo, github, "edit", "erin", ())
    assert review.exit_code == 1, review.stdout


# --- the base branch's policy file does not parse at all ---------------------------------------------


@pytest.mark.parametrize(
    "broken",
    [OWNERS_POLICY + "spec: [\n", OWNERS_POLICY.replace("owners", "owners\udcff").encode("utf-8", "surrogateescape")],
)
def test_an_unreadable_policy_file_on_the_base_branch_fails_closed(
    repo: GitRepo, github: GitHubEmulator, run_cli, broken: str | bytes
) -> None:  # type: ignore[no-untyped-def]
    repo.commit("request chg-1", {"changes/chg-1.yaml": _change()})
    path = repo.root / "policies/change.yaml"
    path.write_bytes(broken if isinstance(broken, bytes) else broken.encode())
    repo.repo.index.add(["policies/change.yaml"])
    repo.commit("the policy file broke on main")
    repo.branch("approve")
    repo.commit("approve", {"changes/chg-1.yaml": _change("approved")})
    review = _review(run_cli, repo, github, "approve", "erin", ())
    assert review.exit_code == 1, review.stdout  # observed: 0, "no change ... needs approval now"

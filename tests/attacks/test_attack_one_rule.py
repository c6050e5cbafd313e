"""An approval that counts in one command counts in all of them: plan (trailers), review, audit.

The same merges run through ``plan --approvals trailers`` and ``audit`` (trailers),
and the same pull requests through ``review``, ``evidence record`` and ``audit``
(evidence notes), with approvers that count and approvers that must not: the
owner, the author, the merger, the requester under another name, someone outside
the team, the author of the merged commits for the second of two changes. Each
must be counted, or refused, the same everywhere. Real git repositories, the real
CLI, PyGithub against the local GitHub emulator.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.attacks.hostile import serve_github
from tests.conftest import GOLD_SLA, approval_policy, change, ci, service, team
from tests.github_emulator import GitHubEmulator
from tests.gitrepo import GitRepo

WINDOW = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")
POLICY = approval_policy("[{team: team:cab, count: 2}]")


def _change(name: str, status: str, requester: str) -> str:
    return change(name, "[ci:db]", *WINDOW, status=status).replace("requester: alice", f"requester: {requester}")


def _catalog(ops: str, cab: str, tier: int) -> str:
    return "\n---\n".join([ops, cab, GOLD_SLA, ci("db"), service("shop", tier, "[ci:db]")])


# --- trailers: plan --approvals trailers and audit, on the very same merge ------------------------------------

OPS = team("ops", "[olivia@acme.example, bob@acme.example]")
CAB = team("cab", "[carol@acme.example, dave@acme.example, erin@acme.example, bob@acme.example]")
PEOPLE = {
    "olivia": "Olivia <olivia@acme.example>",  # ops: owns shop
    "bob": "Bob <bob@acme.example>",  # ops and cab; wrote the branch
    "carol": "Carol <carol@acme.example>",  # cab; requested chg-2 (as the login carol)
    "dave": "Dave <dave@acme.example>",
    "erin": "Erin <erin@acme.example>",
    "zed": "Zed <zed@acme.example>",  # in no team
}
MERGES = {
    "everyone needed, nobody excluded": ("maint", ["olivia", "dave", "erin"]),
    "branch author approves": ("maint", ["bob", "dave", "erin"]),
    "requester under her address": ("maint", ["olivia", "carol", "dave"]),
    "merger approves": ("olivia", ["olivia", "dave", "erin"]),
    "outsider": ("maint", ["zed", "olivia", "dave"]),
    "the requester merges": ("carol", ["olivia", "dave", "erin"]),
}


@pytest.fixture
def branch(tmp_path: Path) -> GitRepo:
    """main: chg-1 (alice) and chg-2 (carol) requested; branch work (by bob) approves both and lowers shop's tier."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "catalog",
        {
            "catalog/all.yaml": _catalog(OPS, CAB, 2),
            "policies/p.yaml": POLICY,
            "changes/chg-1.yaml": _change("chg-1", "requested", "alice@acme.example"),
            "changes/chg-2.yaml": _change("chg-2", "requested", "carol"),
        },
    )
    repo.branch("work")
    repo.commit(
        "approve both, shop is tier 4",
        {
            "catalog/all.yaml": _catalog(OPS, CAB, 4),
            "changes/chg-1.yaml": _change("chg-1", "approved", "alice@acme.example"),
            "changes/chg-2.yaml": _change("chg-2", "approved", "carol"),
        },
        author=PEOPLE["bob"],
    )
    repo.checkout("main")
    return repo


def _plan(run_cli, repo: GitRepo) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    args = ("plan", "--base", "HEAD^1", "--head", "HEAD", "--approvals", "trailers", "--format", "json")
    return json.loads(run_cli("-C", str(repo.root), *args).stdout)  # type: ignore[no-any-return]


def _audit(run_cli, repo: GitRepo) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return json.loads(run_cli("-C", str(repo.root), "audit", "--format", "json").stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("merge", MERGES)
def test_plan_with_trailers_and_audit_count_the_same_approvals(branch: GitRepo, run_cli, merge: str) -> None:  # type: ignore[no-untyped-def]
    merger, approvers = MERGES[merge]
    message = "Merge work\n\n" + "".join(f"Approved-by: {PEOPLE[who]}\n" for who in approvers)
    merger_person = PEOPLE.get(merger, "Maint <maint@example.com>")
    branch.merge("work", message, author=merger_person)
    plan, audit = _plan(run_cli, branch), _audit(run_cli, branch)
    trails = {trail["change"]: trail for trail in audit["changes"]}
    for item in plan["changes"]:
        (cab,) = item["approvals"]["received"]
        assert sorted(cab["approvers"]) == sorted(trails[item["change"]]["approvals"]), item["change"]
    (owners,) = plan["recordOwners"]["received"]
    audit_owner_findings = [f for f in audit["findings"] if f["rule"] == "missing-approval" and "records" in str(f)]
    missing_in_audit = [
        f for f in audit["findings"] if f["rule"] == "missing-approval" and "service:shop" in f["message"]
    ]
    assert (owners["missing"] == 0) is (missing_in_audit == []), (owners, audit_owner_findings)
    plan_fails = any(f["severity"] == "error" for f in plan["findings"])
    audit_fails = any(f["severity"] == "error" for f in audit["findings"])
    assert plan_fails is audit_fails
    # Only the first merge has everything it needs from people who may give it.
    assert plan_fails is (merge != "everyone needed, nobody excluded")


def test_the_branch_author_is_out_for_every_change_a_merge_authorises(branch: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    """The audit asked who wrote a merge's commits once per change: the second change let the author approve."""
    message = "Merge work\n\n" + "".join(f"Approved-by: {PEOPLE[who]}\n" for who in ("olivia", "bob", "dave"))
    branch.merge("work", message, author="Maint <maint@example.com>")
    trails = {trail["change"]: trail for trail in _audit(run_cli, branch)["changes"]}
    assert trails["chg-1"]["approvals"] == trails["chg-2"]["approvals"] == ["dave@acme.example"]
    for name in ("chg-1", "chg-2"):
        assert {i["identity"]: i["reason"] for i in trails[name]["ignoredApprovals"]}["bob@acme.example"] == (
            "authored the merged commits (no self-approval)"
        )


def test_an_alias_added_by_the_merge_itself_excludes_in_the_audit_as_in_plan(branch: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    """plan reads the head's Team aliases; the audit must read them at the merge too, not only before it."""
    aliased = CAB.replace("spec: {members: [", "spec: {aliases: {carol@acme.example: [cee]}, members: [")
    branch.checkout("work")
    branch.commit("carol is also cee", {"catalog/all.yaml": _catalog(OPS, aliased, 4)}, author=PEOPLE["bob"])
    branch.commit("chg-3 by cee", {"changes/chg-3.yaml": _change("chg-3", "approved", "cee")}, author=PEOPLE["bob"])
    branch.checkout("main")
    message = "Merge work\n\n" + "".join(f"Approved-by: {PEOPLE[who]}\n" for who in ("olivia", "carol", "dave"))
    branch.merge("work", message, author="Maint <maint@example.com>")
    plan = {item["change"]: item for item in _plan(run_cli, branch)["changes"]}
    trails = {trail["change"]: trail for trail in _audit(run_cli, branch)["changes"]}
    assert plan["chg-3"]["approvals"]["received"][0]["approvers"] == ["dave@acme.example"]
    assert trails["chg-3"]["approvals"] == ["dave@acme.example"]


# --- review, evidence record and audit: the same pull request -------------------------------------------------

CAB_LOGINS = "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: cab}\nspec: {members: [carol, dave, erin, bob]}\n"
OPS_LOGINS = "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: ops}\nspec: {members: [olivia, bob]}\n"
WRITERS = POLICY + "  evidence: {writers: [test@example.com]}\n"
REVIEWS = {
    "everyone needed": (["olivia", "dave", "erin"], True),
    "the author approves": (["alice", "olivia", "dave"], False),  # alice opened it
    "the requester approves by login": (["olivia", "carol", "dave"], False),  # chg-2 was requested as carol@...
    "an owner is missing": (["dave", "erin"], False),
    "an outsider": (["zed", "olivia", "dave"], False),
}


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubEmulator]:
    yield from serve_github(monkeypatch)


@pytest.mark.parametrize("case", REVIEWS)
def test_review_evidence_and_audit_count_the_same_approvals(  # type: ignore[no-untyped-def]
    tmp_path: Path, github: GitHubEmulator, run_cli, case: str
) -> None:
    reviewers, passes = REVIEWS[case]
    repo = GitRepo(tmp_path / "repo")
    base = repo.commit(
        "catalog",
        {
            "catalog/all.yaml": _catalog(OPS_LOGINS, CAB_LOGINS, 2),
            "policies/p.yaml": WRITERS,
            "changes/chg-2.yaml": _change("chg-2", "requested", "carol@acme.example"),
        },
    )
    repo.branch("pr-7")
    head = repo.commit(
        "approve chg-2, shop is tier 4",
        {
            "catalog/all.yaml": _catalog(OPS_LOGINS, CAB_LOGINS, 4),
            "changes/chg-2.yaml": _change("chg-2", "approved", "carol@acme.example"),
        },
    )
    github.add_pull(7, "alice", head, base)
    for login in reviewers:
        github.review(7, login, "APPROVED", head)
    root = str(repo.root)
    review = run_cli("-C", root, "review", "--pr", "7", "--format", "json")
    assert (review.exit_code == 0) is passes, review.stdout
    received = json.loads(review.stdout)
    repo.checkout("main")
    merge = repo.merge("pr-7", "Merge pull request #7 from acme/pr-7")
    github.state.pulls[7].merge_commit = merge
    assert run_cli("-C", root, "evidence", "record", "--pr", "7").exit_code == 0
    audit = run_cli("-C", root, "audit", "--format", "json", "--fail-on-violation")
    assert (audit.exit_code == 0) is passes, audit.stdout
    report = json.loads(audit.stdout)
    (item,) = received["changes"]
    (trail,) = report["changes"]
    assert sorted(item["approvals"]["received"][0]["approvers"]) == sorted(trail["approvals"])
    owners_ok = received["recordOwners"]["satisfied"]
    owner_findings = [f for f in report["findings"] if "service:shop" in f["message"]]
    assert owners_ok is (owner_findings == []), owner_findings


def test_an_invalid_base_policy_fails_plan_with_trailers_as_it_fails_review_and_audit(  # type: ignore[no-untyped-def]
    tmp_path: Path, github: GitHubEmulator, run_cli
) -> None:
    """`allowSelfApproval: no` is the text "no" in YAML 1.2: the policy does not load, and what it required is
    unknown. review and audit failed closed; plan --approvals trailers counted only the policies that load."""
    broken = POLICY.replace("    - id: cab\n", "    - id: cab\n      allowSelfApproval: no\n")
    repo = GitRepo(tmp_path / "repo")
    base = repo.commit(
        "catalog",
        {
            "catalog/all.yaml": _catalog(OPS, CAB, 2),
            "policies/p.yaml": broken,
            "changes/chg-1.yaml": _change("chg-1", "requested", "alice@acme.example"),
        },
    )
    repo.branch("work")
    head = repo.commit(
        "approve chg-1, and 'fix' the policy by emptying it (it has no owner)",
        {
            "changes/chg-1.yaml": _change("chg-1", "approved", "alice@acme.example"),
            "policies/p.yaml": "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: change-management}\nspec: {}\n",
        },
        author=PEOPLE["bob"],
    )
    repo.checkout("main")
    repo.merge("work", "Merge work\n\nApproved-by: Olivia <olivia@acme.example>\n")
    plan = _plan(run_cli, repo)
    assert [(f["rule"], f["path"]) for f in plan["findings"] if f["severity"] == "error"] == [
        ("missing-approval", "policies/p.yaml")
    ]
    assert any(f["rule"] == "missing-approval" for f in _audit(run_cli, repo)["findings"])
    github.add_pull(7, "alice", head, base)
    github.review(7, "olivia", "APPROVED", head)
    review = run_cli("-C", str(repo.root), "review", "--pr", "7", "--format", "json")
    assert review.exit_code == 1
    assert json.loads(review.stdout)["missing"][0].startswith("policies/p.yaml: a Policy there is invalid")

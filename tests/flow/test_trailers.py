"""Approvals as Approved-by trailers on merge commits (teams without GitHub)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from itsmctl.flow.plan import build_plan
from itsmctl.flow.trailers import check_trailer_approvals
from itsmctl.vcs.trailers import parse_person, parse_trailers
from tests.conftest import GOLD_SLA, approval_policy, change, ci, service, team
from tests.gitrepo import GitRepo

POLICY = approval_policy()
CAB = team("cab", "[carol@acme.example, dave@acme.example, erin@acme.example]")
WINDOW = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")


def test_trailer_parsing_follows_git() -> None:
    message = "Merge branch 'x'\n\nBody text.\n\nApproved-by: Carol C <carol@acme.example>\nRisk: high\n  (score 47)\n"
    assert parse_trailers(message) == [("Approved-by", "Carol C <carol@acme.example>"), ("Risk", "high (score 47)")]
    assert parse_trailers("Approved-by: Carol <carol@acme.example>") == []  # a subject is not a trailer block
    assert parse_trailers("Subject\n\nnot: a trailer\nbecause this line is prose\n") == []
    assert parse_person("Carol C <Carol@Acme.Example>").identity == "carol@acme.example"  # type: ignore[union-attr]
    assert parse_person("carol") is None


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "catalog",
        {
            "catalog/all.yaml": "\n---\n".join(
                [team(), CAB, GOLD_SLA, ci("db"), service("shop", tier=2, depends="[ci:db]")]
            ),
            "policies/p.yaml": POLICY,
            "changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW).replace(
                "requester: alice", "requester: alice@acme.example"
            ),
        },
    )
    repo.branch("approve")
    repo.commit(
        "approve chg-1",
        {
            "changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW, status="approved").replace(
                "requester: alice", "requester: alice@acme.example"
            ),
        },
        author="Alice <alice@acme.example>",
    )
    repo.checkout("main")
    return repo


def _check(repo: GitRepo):  # type: ignore[no-untyped-def]
    plan = build_plan(repo.repo, "HEAD^1", "HEAD")
    return check_trailer_approvals(repo.repo, plan)


def test_enough_trailers_on_the_merge_commit_pass(repo: GitRepo) -> None:
    repo.merge(
        "approve", "Merge approve\n\nApproved-by: Carol <carol@acme.example>\nApproved-by: Dave <dave@acme.example>\n"
    )
    results, findings = _check(repo)
    assert findings == []
    assert results["chg-1"][0].approvers == ["carol@acme.example", "dave@acme.example"]


def test_missing_trailers_are_a_finding_at_the_status_line(repo: GitRepo) -> None:
    repo.merge("approve", "Merge approve\n\nApproved-by: Carol <carol@acme.example>\n")
    _, findings = _check(repo)
    assert [(f.rule, f.location.path, f.location.line) for f in findings] == [
        ("missing-approval", "changes/chg-1.yaml", 8)
    ]


def test_merger_and_branch_authors_cannot_approve(repo: GitRepo) -> None:
    repo.merge(
        "approve",
        "Merge approve\n\nApproved-by: Carol <carol@acme.example>\nApproved-by: Alice <alice@acme.example>\n",
        author="Carol <carol@acme.example>",
    )
    results, findings = _check(repo)
    assert [f.rule for f in findings] == ["missing-approval"]
    rejected = dict(results["chg-1"][0].rejected)
    assert "merged it" in rejected["carol@acme.example"]
    assert "requested chg-1" in rejected["alice@acme.example"]


def test_trailers_in_an_ordinary_commit_are_ignored(repo: GitRepo) -> None:
    repo.checkout("approve")
    repo.commit(
        "more\n\nApproved-by: Carol <carol@acme.example>\nApproved-by: Dave <dave@acme.example>\n",
        {"README.md": "x"},
        author="Alice <alice@acme.example>",
    )
    plan = build_plan(repo.repo, "main", "HEAD")
    _, findings = check_trailer_approvals(repo.repo, plan)
    assert [f.rule for f in findings] == ["missing-approval"]


def test_cli_plan_with_trailers_exit_codes(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo.merge("approve", "Merge approve\n\nApproved-by: Carol <carol@acme.example>\n")
    result = run_cli("-C", str(repo.root), "plan", "--base", "HEAD^1", "--head", "HEAD", "--approvals", "trailers")
    assert result.exit_code == 1 and "missing-approval" in result.stdout


@pytest.mark.parametrize("merger", ["author", "committer"])
def test_trailers_on_a_merge_made_by_the_requester_do_not_count(repo: GitRepo, run_cli, merger: str) -> None:  # type: ignore[no-untyped-def]
    """Issue 11, item 15: alice requested chg-1; on her own merge, Approved-by lines are her claim, not evidence."""
    trailers = "Merge approve\n\nApproved-by: Carol <carol@acme.example>\nApproved-by: Dave <dave@acme.example>\n"
    if merger == "author":
        repo.merge("approve", trailers, author="Alice <alice@acme.example>")
    else:  # someone else's name as author, but alice made the commit
        env = {"GIT_AUTHOR_NAME": "Maint", "GIT_AUTHOR_EMAIL": "maint@example.com"}
        env |= {"GIT_COMMITTER_NAME": "Alice", "GIT_COMMITTER_EMAIL": "alice@acme.example"}
        repo.repo.git.merge("--no-ff", "approve", "-m", trailers, env=env)
    results, findings = _check(repo)
    assert [f.rule for f in findings] == ["missing-approval"]
    assert results["chg-1"][0].approvers == []
    assert all("made by the requester" in why for _, why in results["chg-1"][0].rejected)
    result = run_cli("-C", str(repo.root), "plan", "--base", "HEAD^1", "--head", "HEAD", "--approvals", "trailers")
    assert result.exit_code == 1


MERGES = [
    ("Maint <maint@example.com>", ["Carol <carol@acme.example>", "Dave <dave@acme.example>"]),
    ("Alice <alice@acme.example>", ["Carol <carol@acme.example>", "Dave <dave@acme.example>"]),
    ("Carol <carol@acme.example>", ["Carol <carol@acme.example>", "Dave <dave@acme.example>"]),
    ("Maint <maint@example.com>", ["Alice <alice@acme.example>", "Dave <dave@acme.example>"]),
    ("Maint <maint@example.com>", ["Zed <zed@acme.example>", "Erin <erin@acme.example>", "Dave <dave@acme.example>"]),
]


@pytest.mark.parametrize(("merger", "approvers"), MERGES)
def test_plan_and_audit_count_the_same_trailers(repo: GitRepo, merger: str, approvers: list[str]) -> None:
    """One rule decides whether an approval counts: plan --approvals trailers and audit agree on every merge."""
    from itsmctl.audit.walk import run_audit

    message = "Merge approve\n\n" + "".join(f"Approved-by: {who}\n" for who in approvers)
    repo.merge("approve", message, author=merger)
    results, _ = _check(repo)
    (trail,) = run_audit(repo.repo).trails
    assert sorted(trail.approvals) == sorted(results["chg-1"][0].approvers)
    assert sorted(trail.ignored) == sorted(results["chg-1"][0].rejected)


# --- the owners of edited records (flow.owners), counted from trailers as review counts reviews ---------------

OPS = team("ops", "[olivia@acme.example, oscar@acme.example]")


@pytest.fixture
def cmdb_edit(tmp_path: Path) -> GitRepo:
    """main: ops (e-mail members) owns shop; branch tier-4 lowers shop's tier (no change in it), authored by alice."""
    repo = GitRepo(tmp_path / "repo")
    records = [OPS, CAB, GOLD_SLA, ci("db"), service("shop", tier=2, depends="[ci:db]")]
    repo.commit("catalog", {"catalog/all.yaml": "\n---\n".join(records), "policies/p.yaml": POLICY})
    repo.branch("tier-4")
    records[-1] = service("shop", tier=4, depends="[ci:db]")
    repo.commit("shop is tier 4", {"catalog/all.yaml": "\n---\n".join(records)}, author="Alice <alice@acme.example>")
    repo.checkout("main")
    return repo


def test_an_edit_to_owned_records_without_their_owner_s_trailer_is_missing_approval(
    cmdb_edit: GitRepo, run_cli
) -> None:  # type: ignore[no-untyped-def]
    """Follow-up 1: plan --approvals trailers counted only the changes' needs, so this merge passed."""
    cmdb_edit.merge("tier-4", "Merge tier-4\n\nApproved-by: Carol <carol@acme.example>\n")
    result = run_cli("-C", str(cmdb_edit.root), "plan", "--base", "HEAD^1", "--head", "HEAD", "--approvals", "trailers")
    assert result.exit_code == 1, result.stdout
    _, findings = _check(cmdb_edit)
    assert [(f.rule, f.location.path, f.location.line) for f in findings] == [
        ("missing-approval", "catalog/all.yaml", 34)  # the edited service's name
    ]
    assert "service:shop" in findings[0].message and "team:ops" in findings[0].message
    payload = json.loads(
        run_cli(
            "-C",
            str(cmdb_edit.root),
            "plan",
            "--base",
            "HEAD^1",
            "--head",
            "HEAD",
            "--approvals",
            "trailers",
            "--format",
            "json",
        ).stdout
    )
    (received,) = payload["recordOwners"]["received"]
    assert (received["team"], received["approvers"], received["missing"]) == ("team:ops", [], 1)
    assert payload["recordOwners"]["satisfied"] is False


@pytest.mark.parametrize(
    ("merger", "trailer", "counts"),
    [
        ("Maint <maint@example.com>", "Olivia <olivia@acme.example>", True),
        ("Olivia <olivia@acme.example>", "Olivia <olivia@acme.example>", False),  # the merger
        ("Maint <maint@example.com>", "Alice <alice@acme.example>", False),  # the author, and not in ops
        ("Maint <maint@example.com>", "Carol <carol@acme.example>", False),  # not in ops
    ],
)
def test_the_owner_s_trailer_counts_under_the_same_rules(
    cmdb_edit: GitRepo, merger: str, trailer: str, counts: bool
) -> None:
    cmdb_edit.merge("tier-4", f"Merge tier-4\n\nApproved-by: {trailer}\n", author=merger)
    _, findings = _check(cmdb_edit)
    assert (findings == []) is counts, findings


def test_a_removed_owned_record_is_located_at_its_old_file(cmdb_edit: GitRepo) -> None:
    cmdb_edit.checkout("tier-4")
    cmdb_edit.commit("drop", {"catalog/all.yaml": "\n---\n".join([OPS, CAB, GOLD_SLA, service("shop", 4, "[]")])})
    cmdb_edit.checkout("main")
    cmdb_edit.merge("tier-4", "Merge tier-4\n")
    _, findings = _check(cmdb_edit)
    assert sorted(f.message.split(" edited")[0] for f in findings) == ["ci:db, service:shop"]
    assert findings[0].location.path == "catalog/all.yaml"

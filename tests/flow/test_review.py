"""`review` with PyGithub as a real client over HTTP against the local GitHub emulator."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import GOLD_SLA, approval_policy, change, ci, service, team
from tests.github_emulator import TOKEN, GitHubEmulator
from tests.gitrepo import GitRepo

POLICY = approval_policy("[{team: team:cab, count: 2}, {owners: true}]")
CAB = "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: cab}\nspec: {members: [carol, dave, erin], githubTeam: acme/cab}\n"
WINDOW = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubEmulator]:
    with GitHubEmulator() as emulator:
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", emulator.url)
        monkeypatch.setenv("GITHUB_REPOSITORY", "acme/itsm")
        emulator.state.teams["acme/cab"] = {"carol", "dave", "erin", "frank"}
        yield emulator


@pytest.fixture
def pr(tmp_path: Path, github: GitHubEmulator):  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path / "repo")
    base = repo.commit(
        "catalog",
        {
            "catalog/teams.yaml": team("ops", "[alice, bob, olivia]") + "---\n" + CAB,
            "catalog/slas.yaml": GOLD_SLA,
            "catalog/cmdb.yaml": ci("db") + "---\n" + service("shop", tier=2, depends="[ci:db]"),
            "policies/change.yaml": POLICY,
            "changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW),
        },
    )
    repo.branch("pr-7")
    head = repo.commit("approve chg-1", {"changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW, status="approved")})
    github.add_pull(7, "alice", head, base)
    return repo, head, base


def _review(run_cli, repo: GitRepo, *extra: str):  # type: ignore[no-untyped-def]
    return run_cli("-C", str(repo.root), "review", "--pr", "7", *extra)


def test_complete_approvals_pass_and_set_a_success_status(pr, github, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo, head, _ = pr
    for login in ("carol", "dave", "bob"):
        github.review(7, login, "APPROVED", head)
    result = _review(run_cli, repo, "--status", "--comment")
    assert result.exit_code == 0, result.stdout + result.stderr
    (status,) = github.state.statuses[head]
    assert status["state"] == "success" and status["context"] == "itsmctl/approvals"
    (comment,) = github.state.pulls[7].comments
    assert comment["body"].startswith("<!-- itsmctl:plan -->")
    assert "✅ 2/2 team:cab" in comment["body"]


def test_missing_approvals_fail_and_list_what_is_missing(pr, github, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo, head, _ = pr
    github.review(7, "carol", "APPROVED", head)
    result = _review(run_cli, repo, "--status")
    assert result.exit_code == 1
    assert "chg-1: 1 more from team:cab" in result.stdout
    assert "chg-1: 1 more from team:ops" in result.stdout
    assert github.state.statuses[head][0]["state"] == "failure"


def test_stale_approvals_after_a_push_do_not_count(pr, github, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo, head, base = pr
    for login in ("carol", "dave", "bob"):
        github.review(7, login, "APPROVED", head)
    new_head = repo.commit(
        "tweak",
        {"changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW, status="approved", extra="  description: more\n")},
    )
    github.state.pulls[7].head_sha = new_head
    result = _review(run_cli, repo)
    assert result.exit_code == 1
    assert "approved an earlier commit" in result.stdout


def test_self_approval_by_requester_and_author_never_counts(pr, github, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo, head, _ = pr
    github.state.teams["acme/cab"].add("alice")  # even a CAB member cannot approve their own change
    for login in ("alice", "carol", "bob"):
        github.review(7, login, "APPROVED", head)
    result = _review(run_cli, repo, "--format", "json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    received = payload["changes"][0]["approvals"]["received"]
    cab = next(r for r in received if r["team"] == "team:cab")
    assert cab["approvers"] == ["carol"]
    assert {"identity": "alice", "reason": "requested chg-1 (no self-approval)"} in cab["rejected"]


def test_pull_request_author_cannot_approve(pr, github, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo, head, base = pr
    github.state.pulls[7].author = "dave"
    for login in ("carol", "dave", "bob"):
        github.review(7, login, "APPROVED", head)
    result = _review(run_cli, repo)
    assert result.exit_code == 1
    assert "dave: opened the pull request" in result.stdout


def test_approval_from_outside_the_team_or_by_a_bot_does_not_count(pr, github, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo, head, _ = pr
    github.state.bots.add("renovate[bot]")
    for login in ("carol", "mallory", "renovate[bot]", "bob"):
        github.review(7, login, "APPROVED", head)
    result = _review(run_cli, repo)
    assert result.exit_code == 1
    assert "mallory: not a member of team:cab" in result.stdout
    assert "renovate[bot]: bots cannot approve" in result.stdout


def test_github_team_membership_counts_for_teams_with_a_slug(pr, github, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo, head, _ = pr
    for login in ("carol", "frank", "bob"):  # frank is in acme/cab on GitHub, not in the record
        github.review(7, login, "APPROVED", head)
    assert _review(run_cli, repo).exit_code == 0
    github.state.teams["acme/cab"].discard("frank")
    github.state.pending["acme/cab"] = {"frank"}  # invited, not yet a member
    assert _review(run_cli, repo).exit_code == 1


def test_dismissed_and_changes_requested_withdraw_an_approval(pr, github, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo, head, _ = pr
    github.review(7, "carol", "APPROVED", head, minutes=1)
    github.review(7, "dave", "APPROVED", head, minutes=2)
    github.review(7, "bob", "APPROVED", head, minutes=3)
    github.review(7, "dave", "COMMENTED", head, minutes=4)  # a comment keeps the approval
    assert _review(run_cli, repo).exit_code == 0
    github.review(7, "dave", "CHANGES_REQUESTED", head, minutes=5)
    assert _review(run_cli, repo).exit_code == 1
    github.review(7, "dave", "APPROVED", head, minutes=6)
    assert _review(run_cli, repo).exit_code == 0
    github.state.pulls[7].reviews[-1]["state"] = "DISMISSED"
    assert _review(run_cli, repo).exit_code == 1


def test_more_than_a_hundred_reviews_are_paginated(pr, github, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo, head, _ = pr
    for index in range(150):
        github.review(7, f"drive-by-{index}", "COMMENTED", head, minutes=index)
    github.review(7, "carol", "APPROVED", head, minutes=200)
    github.review(7, "dave", "APPROVED", head, minutes=201)
    github.review(7, "bob", "APPROVED", head, minutes=202)
    assert _review(run_cli, repo).exit_code == 0
    pages = [path for method, path in github.state.requests if path.endswith("/pulls/7/reviews")]
    assert len(pages) >= 2


def test_comment_is_updated_not_duplicated(pr, github, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo, head, _ = pr
    assert _review(run_cli, repo, "--comment").exit_code == 1
    github.review(7, "carol", "APPROVED", head)
    assert _review(run_cli, repo, "--comment").exit_code == 1
    comments = github.state.pulls[7].comments
    assert len(comments) == 1
    assert "carol" in comments[0]["body"]


def test_rate_limit_is_a_clear_error_never_a_pass(pr, github, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo, head, _ = pr
    github.state.rate_limited = True
    result = _review(run_cli, repo, "--status")
    assert result.exit_code == 2
    assert "rate limit" in result.stderr
    assert "Traceback" not in result.stderr
    assert head not in github.state.statuses


@pytest.mark.parametrize("status", [500, 502])
def test_server_errors_exit_2(pr, github, run_cli, status: int) -> None:  # type: ignore[no-untyped-def]
    repo, _, _ = pr
    github.state.fail_with = status
    result = _review(run_cli, repo)
    assert result.exit_code == 2
    assert f"GitHub answered {status}" in result.stderr


def test_bad_token_and_missing_token(pr, github, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    repo, _, _ = pr
    monkeypatch.setenv("GITHUB_TOKEN", "wrong")
    result = _review(run_cli, repo)
    assert result.exit_code == 2 and "rejected the token" in result.stderr
    monkeypatch.delenv("GITHUB_TOKEN")
    result = _review(run_cli, repo)
    assert result.exit_code == 2 and "GITHUB_TOKEN is not set" in result.stderr


def test_unknown_pull_request(pr, github, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo, _, _ = pr
    result = run_cli("-C", str(repo.root), "review", "--pr", "99")
    assert result.exit_code == 2 and "not found" in result.stderr


def test_comment_escapes_hostile_titles(pr, github, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo, head, base = pr
    hostile = change("chg-1", "[ci:db]", *WINDOW, status="approved").replace(
        "title: Change chg-1", 'title: "<img src=x onerror=alert(1)> @everyone [link](http://evil) | pipe"'
    )
    new_head = repo.commit("hostile", {"changes/chg-1.yaml": hostile})
    github.state.pulls[7].head_sha = new_head
    _review(run_cli, repo, "--comment")
    body = github.state.pulls[7].comments[0]["body"]
    # Outside code spans (where GitHub renders nothing), no HTML, mention or link survives.
    prose = re.sub(r"`[^`\n]*`", "", body)
    assert "<img" not in prose and "&lt;img" in prose
    assert "@everyone" not in prose
    assert "[link](http://evil)" not in prose
    assert not re.search(r"(?<!\\)\| pipe", prose)  # a raw pipe would break the table


def test_an_invalid_policy_on_the_base_fails_closed(tmp_path: Path, github, run_cli) -> None:  # type: ignore[no-untyped-def]
    # `allowSelfApproval: no` was false under YAML 1.1 and is the text "no" now: the policy no
    # longer loads. Its requirement must not silently vanish (no approvals, exit 0).
    repo = GitRepo(tmp_path / "repo")
    policy = POLICY + "      allowSelfApproval: no\n"
    base = repo.commit(
        "catalog",
        {
            "catalog/teams.yaml": team("ops", "[alice, bob, olivia]") + "---\n" + CAB,
            "catalog/cmdb.yaml": ci("db"),
            "policies/change.yaml": policy,
            "changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW),
        },
    )
    repo.branch("pr-7")
    head = repo.commit("approve chg-1", {"changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW, status="approved")})
    github.add_pull(7, "alice", head, base)
    result = _review(run_cli, repo, "--format", "json")
    assert result.exit_code == 1, result.stdout
    document = json.loads(result.stdout)
    assert document["approvalsSatisfied"] is False
    assert any("policies/change.yaml: a Policy there is invalid" in line for line in document["missing"])


def test_a_plan_too_long_for_one_comment_is_cut_to_fit_and_says_so(pr, github, run_cli) -> None:  # type: ignore[no-untyped-def]
    """GitHub refuses a comment over 65,536 characters; a pull request with 40 changes made a plan of 120,000,
    so `review --comment` failed (exit 2, 422) instead of saying what is missing (issue 11 leftovers, item 3)."""
    repo, _, base = pr
    repo.checkout("pr-7")
    many = {f"changes/chg-{i:02}.yaml": change(f"chg-{i:02}", "[ci:db]", *WINDOW) for i in range(2, 42)}
    head = repo.commit("forty changes", many)
    github.state.pulls[7].head_sha = head
    result = _review(run_cli, repo, "--comment")
    assert result.exit_code == 1, result.stderr  # approvals missing: said, not a failure to comment
    (comment,) = github.state.pulls[7].comments
    body = comment["body"]
    assert body.startswith("<!-- itsmctl:plan -->") and len(body) <= 65_536
    assert "cut to fit" in body and "itsmctl review --pr 7" in body
    assert body.count("<details>") == body.count("</details>")

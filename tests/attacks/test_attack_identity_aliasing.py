"""One person under two names cannot approve their own change (issue 11, item 1 follow-up: identity aliasing).

The requester is a login (``carol``) and approves by trailer as ``carol@acme.example``,
or under a name a ``.mailmap`` or a Team's ``spec.aliases`` ties to them. ``plan
--approvals trailers``, ``review`` and ``audit`` all count it as the requester's own
approval. Real git repositories, the real CLI, PyGithub against the local emulator.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.attacks.hostile import serve_github
from tests.conftest import GOLD_SLA, approval_policy, change, ci, service, team
from tests.github_emulator import GitHubEmulator
from tests.gitrepo import GitRepo

WINDOW = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")
CAB_EMAILS = team("cab", "[carol@acme.example, dave@acme.example, erin@acme.example]")
CAB_LOGINS = "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: cab}\nspec: {members: [carol, dave, erin]}\n"


def _change(status: str, requester: str) -> str:
    return change("chg-1", "[ci:db]", *WINDOW, status=status).replace("requester: alice", f"requester: {requester}")


def _repo(root: Path, requester: str, cab: str = CAB_EMAILS, extra: dict[str, str] | None = None) -> GitRepo:
    """main: chg-1 requested by ``requester``; branch approve moves it to approved (authored by alice)."""
    repo = GitRepo(root)
    repo.commit(
        "catalog",
        {
            "catalog/all.yaml": "\n---\n".join([team(), cab, GOLD_SLA, ci("db"), service("shop", 2, "[ci:db]")]),
            "policies/p.yaml": approval_policy(),
            "changes/chg-1.yaml": _change("requested", requester),
            **(extra or {}),
        },
    )
    repo.branch("approve")
    repo.commit("approve chg-1", {"changes/chg-1.yaml": _change("approved", requester)})
    repo.checkout("main")
    return repo


def _trailers(*people: str) -> str:
    return "Merge approve\n\n" + "".join(f"Approved-by: {who.split('@')[0].title()} <{who}>\n" for who in people)


def _plan(run_cli, repo: GitRepo):  # type: ignore[no-untyped-def]
    return run_cli(
        "-C",
        str(repo.root),
        "plan",
        "--base",
        "HEAD^1",
        "--head",
        "HEAD",
        "--approvals",
        "trailers",
        "--format",
        "json",
    )


def _audit(run_cli, repo: GitRepo):  # type: ignore[no-untyped-def]
    return run_cli("-C", str(repo.root), "audit", "--format", "json", "--fail-on-violation")


def _received(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    (item,) = json.loads(result.stdout)["changes"]
    (received,) = item["approvals"]["received"]
    return {r["identity"]: r["reason"] for r in received["rejected"]}


CASES = {
    # requester, how the repository ties names (file -> text), the approvers' addresses
    "login and its address": ("carol", {}, ("carol@acme.example", "dave@acme.example")),
    "noreply address": ("carol", {}, ("12345+carol@users.noreply.github.com", "dave@acme.example")),
    "mailmap": ("csmith", {".mailmap": "csmith <carol@acme.example>\n"}, ("carol@acme.example", "dave@acme.example")),
}


@pytest.mark.parametrize("case", CASES)
def test_the_requester_approving_under_another_name_counts_nowhere(tmp_path: Path, run_cli, case: str) -> None:  # type: ignore[no-untyped-def]
    requester, extra, approvers = CASES[case]
    cab = CAB_EMAILS.replace("[carol@", "[12345+carol@users.noreply.github.com, carol@")
    repo = _repo(tmp_path / "repo", requester, cab, extra)
    repo.merge("approve", _trailers(*approvers))
    plan = _plan(run_cli, repo)
    assert plan.exit_code == 1, plan.stdout
    assert "(the same person)" in _received(plan)[approvers[0]]
    audit = _audit(run_cli, repo)
    assert audit.exit_code == 1, audit.stdout
    findings = json.loads(audit.stdout)["findings"]
    assert {(f["rule"], f["severity"]) for f in findings} == {("self-approval", "error"), ("missing-approval", "error")}
    # With a third approver who is someone else, both pass; the audit notes the ignored one.
    repo.repo.git.reset("--hard", "HEAD^1")
    repo.merge("approve", _trailers(*approvers, "erin@acme.example"))
    assert _plan(run_cli, repo).exit_code == 0
    audit = _audit(run_cli, repo)
    assert audit.exit_code == 0, audit.stdout
    assert [(f["rule"], f["severity"]) for f in json.loads(audit.stdout)["findings"]] == [("self-approval", "info")]


def test_a_merge_made_by_the_requester_under_their_address_records_only_their_claim(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo = _repo(tmp_path / "repo", "carol")
    repo.merge("approve", _trailers("dave@acme.example", "erin@acme.example"), author="Carol <carol@acme.example>")
    plan = _plan(run_cli, repo)
    assert plan.exit_code == 1
    assert all("made by the requester" in why for why in _received(plan).values())
    audit = _audit(run_cli, repo)
    assert audit.exit_code == 1
    assert "missing-approval" in {f["rule"] for f in json.loads(audit.stdout)["findings"]}


def test_a_team_alias_ties_a_login_to_an_address_for_exclusion_only(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    aliased = (
        "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: cab}\nspec:\n"
        "  members: [carol@acme.example, dave@acme.example, erin@acme.example]\n"
        "  aliases: {carol@acme.example: [csmith]}\n"
    )
    repo = _repo(tmp_path / "repo", "csmith", aliased)
    repo.merge("approve", _trailers("carol@acme.example", "dave@acme.example"))
    plan = _plan(run_cli, repo)
    assert plan.exit_code == 1
    errors = [f["rule"] for f in json.loads(plan.stdout)["findings"] if f["severity"] == "error"]
    assert errors == ["missing-approval"]  # spec.aliases is valid
    assert _received(plan)["carol@acme.example"].endswith("carol@acme.example is csmith (the same person)")
    audit = _audit(run_cli, repo)
    assert audit.exit_code == 1
    assert ("self-approval", "error") in {(f["rule"], f["severity"]) for f in json.loads(audit.stdout)["findings"]}


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubEmulator]:
    yield from serve_github(monkeypatch)


def test_review_excludes_the_requester_s_login_when_they_requested_by_address(  # type: ignore[no-untyped-def]
    tmp_path: Path, github: GitHubEmulator, run_cli
) -> None:
    repo = _repo(tmp_path / "repo", "carol@acme.example", CAB_LOGINS)
    head = repo.repo.commit("approve").hexsha
    github.add_pull(7, "alice", head, repo.repo.commit("main").hexsha)
    for login in ("carol", "dave"):
        github.review(7, login, "APPROVED", head)
    result = run_cli("-C", str(repo.root), "review", "--pr", "7", "--format", "json")
    assert result.exit_code == 1, result.stdout
    assert json.loads(result.stdout)["missing"] == ["chg-1: 1 more from team:cab"]
    github.review(7, "erin", "APPROVED", head)
    assert run_cli("-C", str(repo.root), "review", "--pr", "7").exit_code == 0

"""Approval forgery: approvals that did not come from a current review by a team member never count.

Each test names the forgery it defeats. Code review goes through PyGithub
against the local GitHub emulator; history goes through real git repositories
and `itsmctl audit`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from itsmctl.audit.evidence import ChangeEvidence, Evidence, RecordedApproval
from itsmctl.vcs.notes import write_note
from tests.attacks.hostile import serve_github
from tests.conftest import GOLD_SLA, approval_policy, change, ci, service, team
from tests.github_emulator import GitHubEmulator
from tests.gitrepo import GitRepo

WINDOW = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")
INSIDE = "2026-12-08T22:30:00+01:00"
POLICY = approval_policy("[{team: team:cab, count: 2}]")
CAB_MEMBERS = "[carol, dave, erin, ci-helper, 'release[bot]']"


def _cab(members: str = CAB_MEMBERS) -> str:
    return f"apiVersion: itsm/v1\nkind: Team\nmetadata: {{name: cab}}\nspec: {{members: {members}, githubTeam: acme/cab}}\n"


def _change(status: str, extra: str = "") -> str:
    return change("chg-1", "[ci:db]", *WINDOW, status=status, extra=extra)


class _Emulator(GitHubEmulator):
    """GitHub, except that it may report a [bot] login as an ordinary user: the login alone must be enough."""

    users_typed_user: set[str] = set()

    def _user(self, login: str) -> dict[str, Any]:
        user = super()._user(login)
        if login in self.users_typed_user:
            user["type"] = "User"
        return user


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Emulator]:
    emulator = _Emulator()
    emulator.users_typed_user = set()
    for served in serve_github(monkeypatch, emulator):
        served.state.teams["acme/cab"] = {"carol", "dave", "erin", "frank"}
        yield emulator


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """main: the catalog and chg-1 requested by alice; branch pr-7 is checked out, ready for commits."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "catalog",
        {
            "catalog/teams.yaml": team("ops", "[alice, bob]") + "---\n" + _cab(),
            "catalog/cmdb.yaml": "\n---\n".join([GOLD_SLA, ci("db"), service("shop", tier=2, depends="[ci:db]")]),
            "policies/change.yaml": POLICY,
            "changes/chg-1.yaml": _change("requested"),
        },
    )
    repo.branch("pr-7")
    return repo


def _open_pull(repo: GitRepo, github: GitHubEmulator, head: str) -> None:
    github.add_pull(7, "alice", head, repo.repo.commit("main").hexsha)


def _review(run_cli, repo: GitRepo, *extra: str):  # type: ignore[no-untyped-def]
    return run_cli("-C", str(repo.root), "review", "--pr", "7", "--format", "json", *extra)


def _cab_result(result) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    (item,) = json.loads(result.stdout)["changes"]
    return next(r for r in item["approvals"]["received"] if r["team"] == "team:cab")


# --- approvals written into the change record by its requester --------------------------------

FORGED_FIELDS = {
    "spec.approvedBy": ("spec", "  approvedBy: [carol, dave]\n"),
    "spec.approvals": ("spec", "  approvals: [{by: carol, at: '2026-12-01T10:00:00Z'}, {by: dave}]\n"),
    "metadata.approvedBy": ("metadata", "carol"),
}


def _forged(status: str, where: str) -> str:
    place, text = FORGED_FIELDS[where]
    if place == "metadata":
        return _change(status).replace("metadata: {name: chg-1}", f"metadata: {{name: chg-1, approvedBy: {text}}}")
    return _change(status, text)


@pytest.mark.parametrize("where", FORGED_FIELDS)
def test_approval_fields_in_a_change_are_rejected_by_the_schema(repo: GitRepo, run_cli, where: str) -> None:  # type: ignore[no-untyped-def]
    repo.write({"changes/chg-1.yaml": _forged("approved", where)})
    result = run_cli("-C", str(repo.root), "validate", "--format", "json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    field = where.rpartition(".")[2]
    errors = [f for f in findings if f["severity"] == "error"]
    assert [(f["rule"], f["path"]) for f in errors] == [("schema", "changes/chg-1.yaml")]
    assert f"unknown field '{field}'" in errors[0]["message"]


@pytest.mark.parametrize("where", [*FORGED_FIELDS, "spec.x-approvedBy"])
def test_approval_fields_written_by_the_requester_do_not_pass_review(  # type: ignore[no-untyped-def]
    repo: GitRepo, github: GitHubEmulator, run_cli, where: str
) -> None:
    # The x- extension is valid YAML for the schema, and must count for nothing all the same.
    text = _change("approved", "  x-approvedBy: [carol, dave]\n") if where.endswith("x-approvedBy") else None
    head = repo.commit("approve chg-1", {"changes/chg-1.yaml": text or _forged("approved", where)})
    _open_pull(repo, github, head)
    result = _review(run_cli, repo, "--status")
    assert result.exit_code == 1, result.stdout
    assert json.loads(result.stdout)["approvalsSatisfied"] is False
    assert [s["state"] for s in github.state.statuses[head]] == ["failure"]


@pytest.mark.parametrize("where", [*FORGED_FIELDS, "spec.x-approvedBy"])
def test_approval_fields_written_by_the_requester_do_not_count_in_plan_gate_or_audit(  # type: ignore[no-untyped-def]
    repo: GitRepo, run_cli, where: str
) -> None:
    text = _change("approved", "  x-approvedBy: [carol, dave]\n") if where.endswith("x-approvedBy") else None
    repo.commit("approve chg-1", {"changes/chg-1.yaml": text or _forged("approved", where)}, author="Alice <alice>")
    root = str(repo.root)
    repo.checkout("main")
    repo.merge("pr-7", "Merge pull request #7 from acme/pr-7")  # no Approved-by trailer, no evidence note
    plan = run_cli("-C", root, "plan", "--base", "HEAD^1", "--head", "HEAD", "--approvals", "trailers")
    assert plan.exit_code == 1
    assert "schema" in plan.stdout if text is None else "missing-approval" in plan.stdout
    audit = json.loads(run_cli("-C", root, "audit", "--format", "json").stdout)
    (trail,) = audit["changes"]
    assert trail["approvals"] == []
    if text is not None:  # a valid record: its approval is in history, unsupported
        assert [f["rule"] for f in audit["findings"]] == ["missing-approval"]
    else:  # an invalid record is left out: it cannot open the gate
        _assert_gate_closed(run_cli("-C", root, "gate", "--service", "shop", "--ci", "db", "--at", INSIDE))
    # A field claiming approval never stands in for the status: a requested change stays shut out.
    claimed = (text or _forged("approved", where)).replace("status: approved", "status: requested")
    repo.write({"changes/chg-1.yaml": claimed})
    _assert_gate_closed(run_cli("-C", root, "gate", "--service", "shop", "--ci", "db", "--at", INSIDE))


def _assert_gate_closed(gate) -> None:  # type: ignore[no-untyped-def]
    assert gate.exit_code == 1 and gate.stdout.startswith("gate CLOSED")
    assert not [line for line in gate.stdout.splitlines() if line.startswith("  + ")]  # no candidate opens it


# --- reviews that are not current approvals by a team member ----------------------------------


@pytest.mark.parametrize(
    "login, typed_user",
    [("ci-helper", False), ("release[bot]", True)],
    ids=["type-Bot-without-bot-suffix", "bot-suffix-typed-User"],
)
def test_review_by_a_bot_account_does_not_count(  # type: ignore[no-untyped-def]
    repo: GitRepo, github: _Emulator, run_cli, login: str, typed_user: bool
) -> None:
    # Both bots are in the Team record and the GitHub team: only being a bot keeps them out.
    github.state.teams["acme/cab"].add(login)
    if typed_user:
        github.users_typed_user.add(login)
    else:
        github.state.bots.add(login)
    head = repo.commit("approve chg-1", {"changes/chg-1.yaml": _change("approved")})
    _open_pull(repo, github, head)
    github.review(7, "carol", "APPROVED", head)
    github.review(7, login, "APPROVED", head)
    result = _review(run_cli, repo)
    assert result.exit_code == 1
    cab = _cab_result(result)
    assert cab["approvers"] == ["carol"]
    assert {"identity": login, "reason": "bots cannot approve"} in cab["rejected"]


def test_review_by_someone_removed_from_the_team_record_does_not_count(  # type: ignore[no-untyped-def]
    repo: GitRepo, github: GitHubEmulator, run_cli
) -> None:
    head = repo.commit("approve chg-1", {"changes/chg-1.yaml": _change("approved")})
    _open_pull(repo, github, head)
    github.review(7, "carol", "APPROVED", head)
    github.review(7, "dave", "APPROVED", head)
    assert _review(run_cli, repo).exit_code == 0
    # dave leaves: main drops him from the record and GitHub from the team. The pull
    # request's own copy of the record still lists him; only the base branch counts.
    repo.checkout("main")
    left = repo.commit(
        "dave left the CAB",
        {"catalog/teams.yaml": team("ops", "[alice, bob]") + "---\n" + _cab("[carol, erin, ci-helper]")},
    )
    repo.repo.git.update_ref("refs/remotes/origin/main", left)
    github.state.teams["acme/cab"].discard("dave")
    result = _review(run_cli, repo)
    assert result.exit_code == 1
    cab = _cab_result(result)
    assert cab["approvers"] == ["carol"]
    assert {"identity": "dave", "reason": "not a member of team:cab"} in cab["rejected"]


def test_review_by_someone_who_left_the_github_team_does_not_count(  # type: ignore[no-untyped-def]
    repo: GitRepo, github: GitHubEmulator, run_cli
) -> None:
    head = repo.commit("approve chg-1", {"changes/chg-1.yaml": _change("approved")})
    _open_pull(repo, github, head)
    github.review(7, "carol", "APPROVED", head)
    github.review(7, "frank", "APPROVED", head)  # in acme/cab on GitHub, not in the record
    assert _review(run_cli, repo).exit_code == 0
    github.state.teams["acme/cab"].discard("frank")  # removed: GitHub now answers 404
    result = _review(run_cli, repo)
    assert result.exit_code == 1
    assert {"identity": "frank", "reason": "not a member of team:cab"} in _cab_result(result)["rejected"]


def test_approval_of_an_older_head_does_not_count_even_after_a_comment_on_the_new_one(  # type: ignore[no-untyped-def]
    repo: GitRepo, github: GitHubEmulator, run_cli
) -> None:
    old = repo.commit("approve chg-1", {"changes/chg-1.yaml": _change("approved")})
    _open_pull(repo, github, old)
    github.review(7, "carol", "APPROVED", old)
    github.review(7, "dave", "APPROVED", old, minutes=1)
    head = repo.commit("widen", {"changes/chg-1.yaml": _change("approved", "  x-extra: more\n")})
    github.state.pulls[7].head_sha = head
    github.review(7, "dave", "COMMENTED", head, minutes=2)  # a comment on the new head is not a new approval
    result = _review(run_cli, repo)
    assert result.exit_code == 1
    cab = _cab_result(result)
    assert cab["approvers"] == []
    assert {r["identity"] for r in cab["rejected"]} == {"carol", "dave"}
    assert all("earlier commit" in r["reason"] for r in cab["rejected"])


# --- Approved-by trailers and evidence notes in history ------------------------------------------

ALICE = "Alice <alice@acme.example>"
TRAILERS = "Approved-by: Carol <carol@acme.example>\nApproved-by: Dave <dave@acme.example>\n"
OCTOBER = ("2026-10-06T22:00:00+02:00", "2026-10-06T23:00:00+02:00")


def _mail_change(status: str, extra: str = "") -> str:
    text = change("chg-1", "[ci:db]", *OCTOBER, status=status, extra=extra)
    return text.replace("requester: alice", "requester: alice@acme.example")


@pytest.fixture
def history(tmp_path: Path) -> GitRepo:
    """A team that approves with trailers; chg-1, requested by alice, merged to main."""
    repo = GitRepo(tmp_path / "history")
    repo.commit(
        "import",
        {
            "catalog/teams.yaml": team("ops", "[alice@acme.example]")
            + "---\n"
            + team("cab", "[carol@acme.example, dave@acme.example, erin@acme.example]"),
            "catalog/cmdb.yaml": "\n---\n".join([GOLD_SLA, ci("db"), service("shop", tier=2, depends="[ci:db]")]),
            "policies/change.yaml": POLICY,
        },
        author="Admin <admin@acme.example>",
    )
    repo.branch("request")
    repo.commit("request chg-1", {"changes/chg-1.yaml": _mail_change("requested")}, author=ALICE)
    repo.checkout("main")
    repo.merge("request", "Merge pull request #1")
    repo.branch("approve")
    return repo


def _audit(run_cli, repo: GitRepo) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return json.loads(run_cli("-C", str(repo.root), "audit", "--format", "json").stdout)  # type: ignore[no-any-return]


def test_approved_by_trailers_in_a_direct_commit_by_the_requester_do_not_count(history: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    history.checkout("main")
    history.commit(f"approve chg-1\n\n{TRAILERS}", {"changes/chg-1.yaml": _mail_change("approved")}, author=ALICE)
    report = _audit(run_cli, history)
    assert report["changes"][0]["approvals"] == []
    assert sorted(f["rule"] for f in report["findings"]) == ["direct-commit", "missing-approval"]


def test_approved_by_trailers_in_a_branch_commit_by_the_requester_do_not_count(history: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    history.commit(f"approve chg-1\n\n{TRAILERS}", {"changes/chg-1.yaml": _mail_change("approved")}, author=ALICE)
    history.checkout("main")
    history.merge("approve", "Merge pull request #2")  # the merge itself records no approval
    report = _audit(run_cli, history)
    assert report["changes"][0]["approvals"] == []
    assert [f["rule"] for f in report["findings"]] == ["missing-approval"]


def test_approved_by_trailers_on_a_merge_made_by_the_requester_do_not_count(history: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    history.commit("approve chg-1", {"changes/chg-1.yaml": _mail_change("approved")}, author=ALICE)
    history.checkout("main")
    history.merge("approve", f"Merge pull request #2\n\n{TRAILERS}", author=ALICE)  # alice vouches for herself
    report = _audit(run_cli, history)
    assert report["changes"][0]["approvals"] == []
    assert [f["rule"] for f in report["findings"]] == ["missing-approval"]


def test_approved_by_trailer_of_someone_removed_from_the_team_before_the_merge_does_not_count(  # type: ignore[no-untyped-def]
    history: GitRepo, run_cli
) -> None:
    history.commit("approve chg-1", {"changes/chg-1.yaml": _mail_change("approved")}, author=ALICE)
    history.checkout("main")
    history.branch("dave-leaves")
    history.commit(
        "dave left the CAB",
        {"catalog/teams.yaml": team("ops", "[alice@acme.example]") + "---\n" + team("cab", "[carol@acme.example]")},
        author="Admin <admin@acme.example>",
    )
    history.checkout("main")
    # The CAB approves the edit of its own record (record-owners): carol, who stays.
    history.merge("dave-leaves", "Merge pull request #2\n\nApproved-by: Carol <carol@acme.example>\n")
    history.merge("approve", f"Merge pull request #3\n\n{TRAILERS}")
    report = _audit(run_cli, history)
    assert report["changes"][0]["approvals"] == ["carol@acme.example"]
    assert [f["rule"] for f in report["findings"]] == ["missing-approval"]


def _note(history: GitRepo, merge: str, head: str, approvals: list[RecordedApproval]) -> None:
    evidence = Evidence(
        repository="acme/itsm",
        pull_request=2,
        author="bob",
        head=head,
        merge_commit=merge,
        recorded_at="2026-10-02T10:00:00Z",
        approvals=approvals,
        changes=[
            ChangeEvidence("chg-1", ["requested", "approved"], "low", 5, [{"team": "team:cab", "count": 2}], {}, True)
        ],
    )
    write_note(history.repo, merge, evidence.to_text())


def test_evidence_approvals_given_on_an_older_head_do_not_count_in_audit(history: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    old = history.commit("approve chg-1", {"changes/chg-1.yaml": _mail_change("approved")}, author=ALICE)
    head = history.commit("widen", {"changes/chg-1.yaml": _mail_change("approved", "  x-extra: more\n")}, author=ALICE)
    history.checkout("main")
    merge = history.merge("approve", "Merge pull request #2")
    # A note (hand-written, or from a tool that did not check) listing approvals of the old head.
    _note(
        history,
        merge,
        head,
        [RecordedApproval("carol@acme.example", old, ""), RecordedApproval("dave@acme.example", old, "")],
    )
    report = _audit(run_cli, history)
    assert report["changes"][0]["approvals"] == []
    assert [f["rule"] for f in report["findings"]] == ["missing-approval"]


def test_evidence_records_no_stale_or_bot_approval(  # type: ignore[no-untyped-def]
    repo: GitRepo, github: GitHubEmulator, run_cli
) -> None:
    old = repo.commit("approve chg-1", {"changes/chg-1.yaml": _change("approved")})
    head = repo.commit("widen", {"changes/chg-1.yaml": _change("approved", "  x-extra: more\n")})
    base = repo.repo.commit("main").hexsha
    repo.checkout("main")
    merge = repo.merge("pr-7", "Merge pull request #7 from acme/pr-7")
    pull = github.add_pull(7, "bob", head, base)
    pull.merge_commit = merge
    github.state.bots.add("ci-helper")
    github.state.teams["acme/cab"].add("ci-helper")
    github.review(7, "carol", "APPROVED", old)  # stale
    github.review(7, "ci-helper", "APPROVED", head)  # a bot
    github.review(7, "erin", "APPROVED", head)  # the only one that counts
    root = str(repo.root)
    assert run_cli("-C", root, "evidence", "record", "--commit", merge).exit_code == 0
    note = json.loads(run_cli("-C", root, "evidence", "show", merge).stdout)["itsmctlEvidence"]
    assert [a["identity"] for a in note["approvals"]] == ["erin"]
    report = _audit(run_cli, repo)
    assert report["changes"][0]["approvals"] == ["erin"]
    assert [f["rule"] for f in report["findings"]] == ["missing-approval"]

"""`evidence record` writes what review verified into git; `audit` reads it back offline."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from itsmctl.audit.evidence import EvidenceError, parse_evidence
from tests.conftest import GOLD_SLA, approval_policy, change, ci, service, team
from tests.github_emulator import TOKEN, GitHubEmulator
from tests.gitrepo import GitRepo

POLICY = approval_policy()
WINDOW = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")


CAB = "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: cab}\nspec: {members: [carol, dave, erin], githubTeam: acme/cab}\n"
WRITERS = POLICY + "  evidence:\n    writers: [test@example.com]\n"  # GitRepo's git identity writes the notes


@pytest.fixture
def merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[GitRepo, GitHubEmulator, str]]:
    """chg-1 (requested by alice) approved in pull request #7 by bob; the CAB is also the GitHub team acme/cab."""
    with GitHubEmulator() as github:
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", github.url)
        monkeypatch.setenv("GITHUB_REPOSITORY", "acme/itsm")
        repo = GitRepo(tmp_path / "repo")
        base = repo.commit(
            "import",
            {
                "catalog/all.yaml": "\n---\n".join(
                    [
                        team("ops", "[alice, bob]"),
                        CAB,
                        GOLD_SLA,
                        ci("db"),
                        service("shop", tier=2, depends="[ci:db]"),
                    ]
                ),
                "policies/p.yaml": WRITERS,
                "changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW),
            },
        )
        repo.branch("pr-7")
        head = repo.commit("approve", {"changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW, status="approved")})
        repo.checkout("main")
        merge = repo.merge("pr-7", "Merge pull request #7 from acme/pr-7")
        pull = github.add_pull(7, "bob", head, base)
        pull.merge_commit = merge
        github.state.teams["acme/cab"] = {"carol", "dave", "erin", "frank"}
        github.review(7, "carol", "APPROVED", head)
        yield repo, github, merge


def test_record_then_audit_offline(merged, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo, github, merge = merged
    github.review(7, "dave", "APPROVED", github.state.pulls[7].head_sha)
    root = str(repo.root)
    recorded = run_cli("-C", root, "evidence", "record", "--commit", merge)
    assert recorded.exit_code == 0, recorded.stderr
    shown = run_cli("-C", root, "evidence", "show", merge)
    note = json.loads(shown.stdout)["itsmctlEvidence"]
    assert note["pull_request"] == 7 and note["merge_commit"] == merge and note["author"] == "bob"
    assert sorted(a["identity"] for a in note["approvals"]) == ["carol", "dave"]
    assert note["changes"][0]["satisfied"] is True
    # The auditor has no GitHub: the emulator is gone from the picture.
    github.state.fail_with = 500
    report = json.loads(run_cli("-C", root, "audit", "--format", "json", "--fail-on-violation").stdout)
    assert report["findings"] == []
    trail = report["changes"][0]
    assert trail["approvalSource"] == "review evidence" and trail["approvals"] == ["carol", "dave"]
    assert trail["transitions"][1]["via"] == "pull request #7"
    (note,) = report["evidence"]
    assert (note["commit"], note["author"], note["trust"]) == (merge, "Test User <test@example.com>", "trusted")


def test_github_team_membership_is_recorded_with_its_team_and_time(merged, run_cli) -> None:  # type: ignore[no-untyped-def]
    """frank is in acme/cab on GitHub only: review counts him, the note says so, the audit believes the bot."""
    repo, github, merge = merged
    github.review(7, "frank", "APPROVED", github.state.pulls[7].head_sha)
    root = str(repo.root)
    assert run_cli("-C", root, "review", "--pr", "7").exit_code == 0
    assert run_cli("-C", root, "evidence", "record", "--pr", "7").exit_code == 0
    note = json.loads(run_cli("-C", root, "evidence", "show", merge).stdout)["itsmctlEvidence"]
    (membership,) = note["memberships"]
    assert {k: membership[k] for k in ("identity", "team", "github_team")} == {
        "identity": "frank",
        "team": "team:cab",
        "github_team": "acme/cab",
    }
    assert membership["checked_at"].startswith("20")
    github.state.fail_with = 500
    result = run_cli("-C", root, "audit", "--format", "json", "--fail-on-violation")
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["changes"][0]["approvals"] == ["carol", "frank"]


def test_review_and_audit_agree_on_an_ignored_self_approval(merged, run_cli) -> None:  # type: ignore[no-untyped-def]
    """Issue 11, item 12: the requester approved too; review ignores it and passes, so does the audit (a note)."""
    repo, github, merge = merged
    head = github.state.pulls[7].head_sha
    github.review(7, "dave", "APPROVED", head)
    github.review(7, "alice", "APPROVED", head)  # alice requested chg-1
    root = str(repo.root)
    assert run_cli("-C", root, "review", "--pr", "7").exit_code == 0
    assert run_cli("-C", root, "evidence", "record", "--pr", "7").exit_code == 0
    github.state.fail_with = 500
    result = run_cli("-C", root, "audit", "--format", "json", "--fail-on-violation")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert [(f["rule"], f["severity"]) for f in report["findings"]] == [("self-approval", "info")]
    assert report["changes"][0]["ignoredApprovals"] == [
        {"identity": "alice", "reason": "requested chg-1 (no self-approval)"}
    ]


def test_a_signed_record_is_verified(merged, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo, github, merge = merged
    github.review(7, "dave", "APPROVED", github.state.pulls[7].head_sha)
    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ci", "-f", str(key)], check=True)
    (tmp_path / "allowed").write_text(f"test@example.com {key.with_suffix('.pub').read_text()}")
    with repo.repo.config_writer() as config:
        config.set_value("gpg", "format", "ssh")
        config.set_value("user", "signingkey", str(key))
        config.set_value("gpg.ssh", "allowedSignersFile", str(tmp_path / "allowed"))
    root = str(repo.root)
    assert run_cli("-C", root, "evidence", "record", "--pr", "7", "--sign").exit_code == 0
    assert subprocess.run(["git", "-C", root, "verify-commit", "refs/notes/itsm"], capture_output=True).returncode == 0
    shown = run_cli("-C", root, "evidence", "show", merge)
    assert "written by Test User <test@example.com>" in shown.stderr


def test_evidence_of_an_unmerged_pull_request_is_refused(merged, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo, github, _ = merged
    github.state.pulls[7].merge_commit = None
    result = run_cli("-C", str(repo.root), "evidence", "record", "--pr", "7")
    assert result.exit_code == 2 and "not merged" in result.stderr


def test_forged_notes_are_not_evidence() -> None:
    with pytest.raises(EvidenceError):
        parse_evidence(b"Approved-by: everyone")
    with pytest.raises(EvidenceError):
        parse_evidence(json.dumps({"itsmctlEvidence": {"approvals": [{"identity": 1}]}}).encode())

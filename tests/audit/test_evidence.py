"""`evidence record` writes what review verified into git; `audit` reads it back offline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from itsmctl.audit.evidence import EvidenceError, parse_evidence
from tests.conftest import GOLD_SLA, approval_policy, change, ci, service, team
from tests.github_emulator import TOKEN, GitHubEmulator
from tests.gitrepo import GitRepo

POLICY = approval_policy()
WINDOW = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")


@pytest.fixture
def merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[GitRepo, GitHubEmulator, str]]:
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
                        team("cab", "[carol, dave, erin]"),
                        GOLD_SLA,
                        ci("db"),
                        service("shop", tier=2, depends="[ci:db]"),
                    ]
                ),
                "policies/p.yaml": POLICY,
                "changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW),
            },
        )
        repo.branch("pr-7")
        head = repo.commit("approve", {"changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW, status="approved")})
        repo.checkout("main")
        merge = repo.merge("pr-7", "Merge pull request #7 from acme/pr-7")
        pull = github.add_pull(7, "bob", head, base)
        pull.merge_commit = merge
        github.review(7, "carol", "APPROVED", head)
        github.review(7, "dave", "APPROVED", head)
        yield repo, github, merge


def test_record_then_audit_offline(merged, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo, github, merge = merged
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

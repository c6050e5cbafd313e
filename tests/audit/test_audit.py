"""`audit` on histories built commit by commit: each planted violation, and nothing else."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from itsmctl.audit.evidence import ChangeEvidence, Evidence, RecordedApproval
from itsmctl.audit.walk import run_audit
from itsmctl.findings import Severity
from itsmctl.vcs.notes import write_note
from tests.conftest import GOLD_SLA, approval_policy, change, ci, service, team
from tests.gitrepo import GitRepo

POLICY = approval_policy()
WINDOW = ("2026-10-06T22:00:00+02:00", "2026-10-06T23:00:00+02:00")
ALICE = "Alice <alice@acme.example>"
APPROVERS = "Approved-by: Carol <carol@acme.example>\nApproved-by: Dave <dave@acme.example>\n"


def _change(status: str, kind: str = "normal", extra: str = "", name: str = "chg-1") -> str:
    text = change(name, "[ci:db]", *WINDOW, status=status, kind=kind, extra=extra)
    return text.replace("requester: alice", "requester: alice@acme.example")


DONE = "  outcome: {summary: done, actualStart: '2026-10-06T22:05:00+02:00', actualEnd: '2026-10-06T22:40:00+02:00'}\n"


class History:
    """A repository where every change arrives through a merged branch."""

    def __init__(self, root: Path) -> None:
        self.repo = GitRepo(root)
        self.repo.commit(
            "initial import",
            {
                "catalog/teams.yaml": team("ops", "[alice@acme.example]")
                + "---\n"
                + team("cab", "[carol@acme.example, dave@acme.example, erin@acme.example]"),
                "catalog/cmdb.yaml": "\n---\n".join([GOLD_SLA, ci("db"), service("shop", tier=2, depends="[ci:db]")]),
                "policies/change.yaml": POLICY,
            },
            author="Admin <admin@acme.example>",
            when="2026-10-01T09:00:00+02:00",
        )
        self.count = 0

    def merge(
        self,
        files: dict[str, str | None],
        trailers: str = "",
        author: str = ALICE,
        when: str = "2026-10-02T10:00:00+02:00",
    ) -> str:
        self.count += 1
        branch = f"pr-{self.count}"
        self.repo.branch(branch, "main")
        self.repo.commit(f"work {self.count}", files, author=author, when=when)
        self.repo.checkout("main")
        message = f"Merge pull request {self.count}\n\n{trailers}" if trailers else f"Merge pull request {self.count}"
        return self.repo.merge(branch, message, when=when)

    def lifecycle(
        self, approve_trailers: str = APPROVERS, kind: str = "normal", close: str = "completed", close_extra: str = DONE
    ) -> None:
        self.merge({"changes/chg-1.yaml": _change("requested", kind)})
        if kind == "emergency":
            self.merge({"changes/chg-1.yaml": _change("in-progress", kind)}, approve_trailers)
        else:
            self.merge({"changes/chg-1.yaml": _change("approved", kind)}, approve_trailers)
            self.merge({"changes/chg-1.yaml": _change("in-progress", kind)})
        self.merge({"changes/chg-1.yaml": _change(close, kind, close_extra)})


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History(tmp_path / "repo")


def _rules(history: History) -> list[str]:
    return [f.rule for f in run_audit(history.repo.repo).findings]


def test_clean_history_has_no_findings_and_a_full_trail(history: History) -> None:
    history.lifecycle()
    report = run_audit(history.repo.repo)
    assert report.findings == []
    (trail,) = report.trails
    assert [(t.before, t.after) for t in trail.transitions] == [
        (None, "requested"),
        ("requested", "approved"),
        ("approved", "in-progress"),
        ("in-progress", "completed"),
    ]
    assert trail.approvals == ["carol@acme.example", "dave@acme.example"]
    assert trail.approval_source == "trailers"
    assert trail.authorised_by == trail.transitions[1].commit
    assert all(t.via == "merge" for t in trail.transitions)
    assert trail.transitions[0].author == ALICE.replace("Alice", "Maintainer").replace("alice", "maint").replace(
        "acme.example", "example.com"
    )


def test_too_few_approvals(history: History) -> None:
    history.lifecycle(approve_trailers="Approved-by: Carol <carol@acme.example>\n")
    report = run_audit(history.repo.repo)
    assert [f.rule for f in report.findings] == ["missing-approval"]
    finding = report.findings[0]
    assert finding.details["change"] == "chg-1"
    assert finding.details["commit"] == report.trails[0].authorised_by
    assert finding.location.path == "changes/chg-1.yaml" and finding.location.line == 8


def test_policy_in_force_at_the_time_is_used_not_todays(history: History) -> None:
    history.lifecycle(approve_trailers="Approved-by: Carol <carol@acme.example>\n")
    # Loosening the policy later does not excuse the past.
    history.merge({"policies/change.yaml": POLICY.replace("count: 2", "count: 1")}, APPROVERS)
    assert _rules(history) == ["missing-approval"]


def test_an_ignored_self_approval_is_a_note_when_others_approved_enough(history: History, run_cli) -> None:  # type: ignore[no-untyped-def]
    """Issue 11, item 12: review ignores the requester's approval and passes; the audit agrees (an info note)."""
    history.lifecycle(approve_trailers=APPROVERS + "Approved-by: Alice <alice@acme.example>\n")
    report = run_audit(history.repo.repo)
    assert [(f.rule, f.severity) for f in report.findings] == [("self-approval", Severity.INFO)]
    assert "alice@acme.example" in report.findings[0].message
    assert report.trails[0].approvals == ["carol@acme.example", "dave@acme.example"]
    assert report.trails[0].ignored == [("alice@acme.example", "requested chg-1 (no self-approval)")]
    result = run_cli("-C", str(history.repo.root), "audit", "--fail-on-violation")
    assert result.exit_code == 0 and "info" in result.stdout


def test_self_approval_is_an_error_when_the_change_lacked_other_approvals(history: History) -> None:
    history.lifecycle(
        approve_trailers="Approved-by: Carol <carol@acme.example>\nApproved-by: Alice <alice@acme.example>\n"
    )
    report = run_audit(history.repo.repo)
    assert sorted((f.rule, f.severity) for f in report.findings) == [
        ("missing-approval", Severity.ERROR),
        ("self-approval", Severity.ERROR),
    ]


def test_direct_commit_on_the_branch(history: History) -> None:
    history.lifecycle()
    history.repo.commit(
        "quick fix",
        {
            "catalog/cmdb.yaml": "\n---\n".join(
                [GOLD_SLA, ci("db"), service("shop", tier=2, depends="[ci:db]", extra="  system: shop\n")]
            )
        },
        author="Mallory <mallory@acme.example>",
    )
    report = run_audit(history.repo.repo)
    assert [f.rule for f in report.findings] == ["direct-commit"]
    assert "Mallory" in report.findings[0].message


def test_emergency_closed_without_review(history: History) -> None:
    history.lifecycle(kind="emergency")
    assert _rules(history) == ["emergency-without-pir"]


def test_emergency_closed_with_review_is_fine(history: History) -> None:
    history.lifecycle(kind="emergency", close_extra=DONE + "  pir: {summary: reviewed}\n")
    assert _rules(history) == []


def test_carried_out_outside_the_approved_window(history: History) -> None:
    late = (
        "  outcome: {summary: done, actualStart: '2026-10-06T22:05:00+02:00', actualEnd: '2026-10-07T01:00:00+02:00'}\n"
    )
    history.lifecycle(close_extra=late)
    assert _rules(history) == ["outside-window"]


def test_carried_out_during_a_freeze(history: History) -> None:
    freeze = (
        "apiVersion: itsm/v1\nkind: Freeze\nmetadata: {name: october}\nspec:\n"
        "  start: '2026-10-05T00:00:00+02:00'\n  end: '2026-10-08T00:00:00+02:00'\n  allowedTypes: [emergency]\n"
    )
    history.merge({"catalog/freezes.yaml": freeze}, when="2026-10-01T12:00:00+02:00")
    history.lifecycle()
    report = run_audit(history.repo.repo)
    assert [f.rule for f in report.findings] == ["freeze-violation"]
    assert "october" in report.findings[0].message


def test_evidence_notes_count_as_approvals_and_rewrites_are_detected(history: History) -> None:
    history.merge({"changes/chg-1.yaml": _change("requested")})
    approve = history.merge({"changes/chg-1.yaml": _change("approved")})
    head = history.repo.repo.commit(approve).parents[1].hexsha  # the pull request's head, merged
    evidence = Evidence(
        repository="acme/itsm",
        pull_request=12,
        author="bob",
        head=head,
        merge_commit=approve,
        recorded_at="2026-10-02T10:00:00Z",
        approvals=[
            RecordedApproval("carol@acme.example", head, ""),
            RecordedApproval("dave@acme.example", head, ""),
        ],
        changes=[
            ChangeEvidence("chg-1", ["requested", "approved"], "low", 5, [{"team": "team:cab", "count": 2}], {}, True)
        ],
    )
    write_note(history.repo.repo, approve, evidence.to_text())
    report = run_audit(history.repo.repo)
    assert report.findings == []
    assert report.trails[0].approval_source == "review evidence"
    assert report.trails[0].transitions[1].via == "pull request #12"
    # Rewrite main to before the approval and carry on: the note now points nowhere.
    history.repo.repo.git.reset("--hard", "HEAD~1")
    history.merge({"changes/chg-1.yaml": _change("cancelled")})
    report = run_audit(history.repo.repo)
    assert [f.rule for f in report.findings] == ["history-rewrite"]
    assert "#12" in report.findings[0].message


def test_renames_and_long_lived_branches(history: History) -> None:
    repo = history.repo
    history.merge({"changes/chg-1.yaml": _change("requested")})
    repo.branch("long", "main")
    repo.commit("prepare", {"changes/chg-2.yaml": _change("draft", name="chg-2")})
    repo.checkout("main")
    history.merge({"changes/chg-1.yaml": _change("approved")}, APPROVERS)
    repo.checkout("long")
    repo.repo.git.merge("main", "-m", "sync main into long")
    repo.mv("changes/chg-1.yaml", "changes/2026/chg-1.yaml")
    repo.commit("move chg-1 and request chg-2", {"changes/chg-2.yaml": _change("requested", name="chg-2")})
    repo.checkout("main")
    repo.merge("long", "Merge long-lived branch")
    report = run_audit(repo.repo)
    assert report.findings == []
    trails = {t.name: t for t in report.trails}
    assert trails["chg-1"].path == "changes/2026/chg-1.yaml"
    assert [(t.before, t.after) for t in trails["chg-1"].transitions] == [
        (None, "requested"),
        ("requested", "approved"),
    ]
    assert [(t.before, t.after) for t in trails["chg-2"].transitions] == [(None, "requested")]


def test_cli_formats_filters_and_exit_codes(history: History, run_cli) -> None:  # type: ignore[no-untyped-def]
    history.lifecycle(approve_trailers="Approved-by: Carol <carol@acme.example>\n")
    root = str(history.repo.root)
    assert run_cli("-C", root, "audit").exit_code == 0
    failing = run_cli("-C", root, "audit", "--fail-on-violation", "--format", "json")
    assert failing.exit_code == 1
    payload = json.loads(failing.stdout)
    assert payload["summary"] == {"changes": 1, "error": 1, "warning": 0, "info": 0}
    assert payload["changes"][0]["transitions"][1]["to"] == "approved"
    csv_out = run_cli("-C", root, "audit", "--format", "csv").stdout.splitlines()
    assert csv_out[0].startswith("change,title") and csv_out[1].startswith("chg-1,")
    html = run_cli("-C", root, "audit", "--format", "html").stdout
    assert html.startswith("<!DOCTYPE html>") and "missing-approval" in html
    none = run_cli("-C", root, "audit", "--since", "2027-01-01", "--format", "json")
    assert json.loads(none.stdout)["changes"] == []
    other = run_cli("-C", root, "audit", "--service", "nothing-here", "--format", "json")
    assert other.exit_code == 2 and "no service 'nothing-here'" in other.stderr  # not an empty audit that passes
    shop = run_cli("-C", root, "audit", "--service", "shop", "--format", "json")
    assert [c["change"] for c in json.loads(shop.stdout)["changes"]] == ["chg-1"]  # via ci:db


def test_csv_cells_cannot_be_formulas(history: History, run_cli) -> None:  # type: ignore[no-untyped-def]
    hostile = _change("requested").replace("title: Change chg-1", 'title: \'=HYPERLINK("http://evil","x")\'')
    history.merge({"changes/chg-1.yaml": hostile})
    out = run_cli("-C", str(history.repo.root), "audit", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[1][1] == '\'=HYPERLINK("http://evil","x")'
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_html_escapes_record_values(history: History, run_cli) -> None:  # type: ignore[no-untyped-def]
    hostile = _change("requested").replace("title: Change chg-1", "title: '<script>alert(1)</script>'")
    history.merge({"changes/chg-1.yaml": hostile})
    html = run_cli("-C", str(history.repo.root), "audit", "--format", "html").stdout
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_outcomes_in_history_raise_the_risk_of_a_new_change(history: History, run_cli) -> None:  # type: ignore[no-untyped-def]
    history.lifecycle(close="failed", close_extra=DONE)
    history.merge({"changes/chg-1.yaml": None})  # archived: only git history remembers the failure
    history.merge({"changes/chg-9.yaml": _change("requested", name="chg-9").replace("2026-10-06", "2026-10-20")})
    root = str(history.repo.root)
    with_history = json.loads(run_cli("-C", root, "risk", "chg-9", "--format", "json").stdout)
    without = json.loads(run_cli("-C", root, "risk", "chg-9", "--format", "json", "--no-git-history").stdout)
    factor = next(f for f in with_history["factors"] if f["id"] == "likelihood.history")
    assert factor["points"] > 0 and "1 failed" in factor["reason"]
    assert with_history["history"][0] == {
        "change": "chg-1",
        "outcome": "failed",
        "ended": "2026-10-06T22:40:00+02:00",
        "source": "git history",
    }
    assert with_history["score"] > without["score"]


def test_auditing_an_older_revision_is_not_a_history_rewrite(history: History) -> None:
    """Evidence of merges made after --rev is the future, not rewritten history; a rewind still is."""
    history.merge({"changes/chg-1.yaml": _change("requested")})
    old = history.repo.repo.head.commit.hexsha
    approve = history.merge({"changes/chg-1.yaml": _change("approved")}, APPROVERS)
    head = history.repo.repo.commit(approve).parents[1].hexsha
    evidence = Evidence("acme/itsm", 12, "bob", head, approve, "2026-10-02T10:00:00Z")
    write_note(history.repo.repo, approve, evidence.to_text())
    assert run_audit(history.repo.repo, old).findings == []
    history.repo.repo.git.reset("--hard", old)  # main rewound: the merge is on no branch any more
    assert [f.rule for f in run_audit(history.repo.repo).findings] == ["history-rewrite"]

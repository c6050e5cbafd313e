"""The audit replays plan's lifecycle rules (issue 11, item 13) and reports invalid records where they appear (item 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from itsmctl.audit.walk import run_audit
from itsmctl.findings import Severity
from itsmctl.flow.plan import SCOPE_RULE, TRANSITION_RULE, build_plan
from tests.audit.test_audit import APPROVERS, DONE, POLICY, History, _change
from tests.conftest import team
from tests.gitrepo import GitRepo


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History(tmp_path / "repo")


def _plan_findings(history: History, merge: str) -> list[tuple[str, str, int]]:
    plan = build_plan(history.repo.repo, f"{merge}^1", merge)
    return [(f.rule, f.message, f.location.line) for f in plan.findings if f.rule in (TRANSITION_RULE, SCOPE_RULE)]


def test_approved_to_completed_in_merged_history_is_the_illegal_transition_plan_reports(history: History) -> None:
    history.merge({"changes/chg-1.yaml": _change("requested")})
    history.merge({"changes/chg-1.yaml": _change("approved")}, APPROVERS)
    skipped = history.merge({"changes/chg-1.yaml": _change("completed", extra=DONE)})  # never in progress
    report = run_audit(history.repo.repo)
    found = [f for f in report.findings if f.rule == TRANSITION_RULE]
    assert [(f.rule, f.message.split(" (commit")[0], f.location.line) for f in found] == _plan_findings(
        history, skipped
    )
    (finding,) = found
    assert finding.details["commit"] == skipped and finding.details["change"] == "chg-1"
    assert finding.severity == Severity.ERROR and finding.location.path == "changes/chg-1.yaml"
    assert [f.rule for f in report.findings] == [TRANSITION_RULE]


def test_a_new_change_that_starts_approved_is_illegal_as_in_plan(history: History) -> None:
    merge = history.merge({"changes/chg-1.yaml": _change("approved")}, APPROVERS)
    report = run_audit(history.repo.repo)
    assert [(f.rule, f.message.split(" (commit")[0], f.location.line) for f in report.findings] == _plan_findings(
        history, merge
    )


def test_the_initial_import_may_bring_changes_in_any_state(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "import the old tool's records",
        {
            "catalog/teams.yaml": team("ops", "[alice@acme.example]"),
            "changes/chg-0.yaml": _change("cancelled", name="chg-0"),
        },
    )
    assert run_audit(repo.repo).findings == []
    repo.commit("later, directly", {"changes/chg-5.yaml": _change("cancelled", name="chg-5")})
    assert sorted(f.rule for f in run_audit(repo.repo).findings) == ["direct-commit", TRANSITION_RULE]


def test_editing_the_scope_of_an_approved_change_is_reported_as_in_plan(history: History) -> None:
    history.merge({"changes/chg-1.yaml": _change("requested")})
    history.merge({"changes/chg-1.yaml": _change("approved")}, APPROVERS)
    wider = _change("approved").replace("targets: [ci:db]", "targets: [ci:db, service:shop]")
    edit = history.merge({"changes/chg-1.yaml": wider})
    report = run_audit(history.repo.repo)
    assert [(f.rule, f.message.split(" (commit")[0], f.location.line) for f in report.findings] == _plan_findings(
        history, edit
    )
    assert [f.details["commit"] for f in report.findings] == [edit]


def test_the_emergency_without_review_is_one_finding_not_two(history: History) -> None:
    history.lifecycle(kind="emergency")
    assert [f.rule for f in run_audit(history.repo.repo).findings] == ["emergency-without-pir"]


# --- invalid records ------------------------------------------------------------------------------


def test_an_invalid_change_is_reported_where_it_appears_once_and_flagged_while_it_stays(history: History) -> None:
    history.merge({"changes/chg-1.yaml": _change("requested")})
    broken = _change("approved", extra="  approvedBy: [carol, dave]\n")
    appears = history.merge({"changes/chg-1.yaml": broken})
    history.merge({"changes/chg-1.yaml": broken.replace("title: Change chg-1", "title: Still broken")})
    report = run_audit(history.repo.repo)
    (finding,) = report.findings
    assert (finding.rule, finding.severity) == ("invalid-record", Severity.ERROR)
    assert finding.details["commit"] == appears and finding.details["change"] == "chg-1"
    assert finding.location.path == "changes/chg-1.yaml" and finding.location.line == 13  # the approvedBy line
    assert "approvedBy" in finding.message and finding.details["atHead"] is True
    # While invalid the change is not "removed"; once valid again, its step is checked as any other.
    history.merge({"changes/chg-1.yaml": _change("approved")}, APPROVERS)
    report = run_audit(history.repo.repo)
    (finding,) = report.findings
    assert finding.details["commit"] == appears and finding.details["atHead"] is False
    (trail,) = report.trails
    assert [(t.before, t.after) for t in trail.transitions] == [(None, "requested"), ("requested", "approved")]
    assert not trail.removed and trail.approvals == ["carol@acme.example", "dave@acme.example"]


def test_a_file_that_is_not_yaml_is_reported_with_its_line(history: History) -> None:
    appears = history.merge({"changes/chg-1.yaml": "apiVersion: itsm/v1\nkind: Change\nmetadata: {name: chg-1\n"})
    report = run_audit(history.repo.repo)
    (finding,) = report.findings
    assert finding.rule == "invalid-record" and finding.severity == Severity.ERROR
    assert finding.details["commit"] == appears and finding.location.path == "changes/chg-1.yaml"
    assert finding.location.line >= 3


def test_an_invalid_team_is_a_warning_and_an_invalid_policy_an_error(history: History) -> None:
    history.merge({"catalog/more.yaml": team("web", "[ana]").replace("members:", "membres:")})
    history.merge({"policies/extra.yaml": "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: x}\nspec: {nope: 1}\n"})
    findings = run_audit(history.repo.repo).findings
    assert {f.rule for f in findings} == {"invalid-record"}
    assert {(f.location.path, f.severity) for f in findings} == {
        ("catalog/more.yaml", Severity.WARNING),  # one finding per problem, each at its line
        ("policies/extra.yaml", Severity.ERROR),
    }


def test_cli_json_shows_invalid_records(history: History, run_cli) -> None:  # type: ignore[no-untyped-def]
    history.merge({"changes/chg-1.yaml": _change("requested", extra="  bogus: 1\n")})
    result = run_cli("-C", str(history.repo.root), "audit", "--format", "json", "--fail-on-violation")
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["rule"] == "invalid-record" and finding["path"] == "changes/chg-1.yaml" and finding["line"] == 13


def test_a_symlinked_record_file_is_not_read_as_yaml(history: History) -> None:
    history.merge({"changes/chg-1.yaml": _change("requested")})
    history.repo.branch("link", "main")
    (history.repo.root / "changes" / "current.yaml").symlink_to("chg-1.yaml")
    history.repo.repo.index.add(["changes/current.yaml"])
    history.repo.commit("link the current change", author="Alice <alice@acme.example>")
    history.repo.checkout("main")
    history.repo.merge("link", "Merge pull request 9")
    assert run_audit(history.repo.repo).findings == []


def test_a_policy_file_that_is_no_yaml_fails_the_changes_authorised_meanwhile(history: History) -> None:
    broken = history.merge({"policies/change.yaml": "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: [\n"})
    history.merge({"changes/chg-1.yaml": _change("requested")})
    approve = history.merge({"changes/chg-1.yaml": _change("approved")})  # no approvals at all
    findings = run_audit(history.repo.repo).findings
    assert sorted((f.rule, f.details["commit"]) for f in findings) == sorted(
        [("invalid-record", broken), ("missing-approval", approve)]
    )
    (missing,) = [f for f in findings if f.rule == "missing-approval"]
    assert "policies/change.yaml" in missing.message and "invalid" in missing.message
    history.merge({"policies/change.yaml": POLICY})  # fixed: later authorisations are judged by it again
    history.merge({"changes/chg-2.yaml": _change("requested", name="chg-2")})
    history.merge({"changes/chg-2.yaml": _change("approved", name="chg-2")}, APPROVERS)
    assert len([f for f in run_audit(history.repo.repo).findings if f.rule == "missing-approval"]) == 1

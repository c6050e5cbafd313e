"""An approval policy that did not load at a commit: the audit cannot excuse what it would have required."""

from __future__ import annotations

from pathlib import Path

from itsmctl.audit.walk import run_audit
from tests.audit.test_audit import History


def test_an_invalid_policy_at_the_time_is_a_missing_approval_not_a_pass(tmp_path: Path) -> None:
    # `allowSelfApproval: no` was false under YAML 1.1 and is the text "no" under 1.2: the
    # policy stopped loading, and with it the CAB requirement. No approval was given.
    history = History(tmp_path / "repo")
    policy = (tmp_path / "repo" / "policies" / "change.yaml").read_text() + "      allowSelfApproval: no\n"
    history.merge({"policies/change.yaml": policy})
    history.lifecycle(approve_trailers="")
    findings = run_audit(history.repo.repo).findings
    missing = [f for f in findings if f.rule == "missing-approval"]
    assert missing, [(f.rule, f.message) for f in findings]
    assert "policies/change.yaml" in missing[0].message and "invalid" in missing[0].message

"""Property 5: the audit of a generated git history reports exactly the violations planted in it.

Histories move one to four changes through their lifecycle, one merged pull
request per step, interleaved at random. Planted at random: direct commits on
main (to a change, with or without Approved-by text, or only to the CMDB),
authorisations with too few CAB approvals, approvals by the requester, the
merger or whoever wrote the merged commits, emergency changes closed without a
post-implementation review, work carried out before or after its window, work
carried out during a freeze that does not allow the change's type, evidence
notes on merges that the branch no longer contains, and notes that are not
evidence. Some merges carry their approvals as review evidence notes instead
of trailers. ``history.expected_findings`` derives the findings from the spec
alone; the audit must report each one, with its rule, change and commit, and
nothing else.

Left out, because the expected result would need GitHub's view rather than the
spec's: evidence whose per-team approvers differ from the Team records, squash
merges (recognised by GitHub's committer address), renamed and removed change
files (tested in tests/audit).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

import git
from hypothesis import event, given

from itsmctl.audit.walk import run_audit
from tests.property.history import (
    CAB,
    DAY0,
    REQUESTERS,
    HistorySpec,
    Step,
    commit_history,
    expected_findings,
    histories,
)
from tests.property.strategies import ChangeSpec, Interval, Stamp


@given(histories())
def test_audit_finds_exactly_the_planted_violations(spec: HistorySpec) -> None:
    with tempfile.TemporaryDirectory(prefix="itsm-history-") as folder:
        root = Path(folder) / "repo"
        built = commit_history(spec, root)
        with git.Repo(root) as repo:
            report = run_audit(repo)
    expected = expected_findings(spec, built)
    for rule in sorted({rule for rule, _, _ in expected}) or ["nothing"]:
        event(f"planted {rule}")
    found = Counter((f.rule, f.details.get("change"), f.details["commit"]) for f in report.findings)
    assert found == expected
    # Every step of every change is in its trail, in order.
    trails = {trail.name: trail for trail in report.trails}
    for index, change in enumerate(spec.changes):
        statuses = [step.status for step in spec.steps if step.change == index]
        assert [t.after for t in trails[change.name].transitions] == statuses


def test_whoever_wrote_the_merged_commits_cannot_approve_with_a_trailer(tmp_path: Path) -> None:
    """Found by the property above: the audit counted the trailer of the colleague who wrote the
    pull request, which `plan --approvals trailers` refuses. Now it is a self-approval, and not counted."""
    window = Interval(Stamp(DAY0 + timedelta(hours=22)), Stamp(DAY0 + timedelta(hours=23)))
    change = ChangeSpec("chg-20270322-0001", "normal", "requested", REQUESTERS[0], (("ci:db", None),), window)
    steps = (
        Step(0, "requested", author=REQUESTERS[0]),
        Step(0, "approved", approvers=CAB[:2], author=CAB[0]),  # Carol wrote it and approves it
    )
    built = commit_history(HistorySpec((change,), steps, None), tmp_path / "repo")
    with git.Repo(tmp_path / "repo") as repo:
        findings = run_audit(repo).findings
    assert sorted((f.rule, f.details["commit"]) for f in findings) == [
        ("missing-approval", built.steps[1]),
        ("self-approval", built.steps[1]),
    ]
    self_approval = next(f for f in findings if f.rule == "self-approval")
    assert self_approval.message.startswith(f"{CAB[0]} approved {change.name}, but authored the merged commits")

"""The audit's checks, one per kind of violation, each returning findings that name the commit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from itsmctl.findings import Finding, Location, Severity
from itsmctl.flow.approvals import ApprovalNeed
from itsmctl.flow.diff import diff_values
from itsmctl.flow.lifecycle import SCOPE_FIELDS, check_transition, edited_scope
from itsmctl.flow.plan import SCOPE_RULE, TRANSITION_RULE
from itsmctl.load.locate import Locator
from itsmctl.model.kinds import Change, Window
from itsmctl.risk.freezes import freeze_hits
from itsmctl.vcs.log import CommitInfo

if TYPE_CHECKING:
    from itsmctl.audit.live import LiveCatalog

AUTHORISED = frozenset({"approved", "scheduled", "in-progress"})
CLOSED_WITH_OUTCOME = frozenset({"completed", "failed", "rolled-back"})
_LOCATOR = Locator()


def authorises(before: str | None, after: str | None) -> bool:
    """Whether the step puts a change into an authorised (or closed) state it was not in."""
    granted = AUTHORISED | CLOSED_WITH_OUTCOME
    return after in granted and before not in granted


def _finding(
    rule: str,
    message: str,
    change: Change | None,
    commit: str,
    path: tuple[str | int, ...] = ("spec", "status"),
    hint: str = "",
) -> Finding:
    location = _LOCATOR.locate(change.record, path) if change is not None else Location("")
    details: dict[str, object] = {"commit": commit}
    if change is not None:
        details["change"] = change.name
    return Finding(rule, Severity.ERROR, f"{message} (commit {commit[:12]})", location, hint, details)


def _scope(change: Change) -> dict[str, object]:
    spec = change.record.spec
    return {name: spec[name] for name in SCOPE_FIELDS if name in spec}


def lifecycle(commit: str, old: Change | None, new: Change, pre_approved: bool) -> list[Finding]:
    """The lifecycle rules of ``plan`` (flow.lifecycle), for one step of one change on the branch.

    An emergency change closed without a review is left to ``closing`` (emergency-without-pir).
    """
    findings = []
    before = old.status if old is not None else None
    verdict = check_transition(before, new.status, new.type, pre_approved, new.pir is not None)
    if not verdict.allowed and not verdict.missing_pir:
        findings.append(_finding(TRANSITION_RULE, verdict.reason, new, commit))
    if old is not None:
        scope = (_scope(old), _scope(new))  # only the scope fields: diffing whole records costs more than it tells
        for name in edited_scope(before, new.status, lambda: diff_values(*scope, "spec")):
            findings.append(
                _finding(
                    SCOPE_RULE,
                    f"spec.{name} of {new.name} changed after it was {before}",
                    new,
                    commit,
                    ("spec", name),
                    "set status back to requested in the same pull request, so it is approved again",
                )
            )
    return findings


def closing(commit: CommitInfo, change: Change, approved: Window | None, live: LiveCatalog) -> list[Finding]:
    findings = []
    if change.type == "emergency" and change.pir is None:
        findings.append(
            _finding(
                "emergency-without-pir",
                f"emergency change {change.name} closed as {change.status} without a post-implementation review",
                change,
                commit.sha,
            )
        )
    window = approved or change.window
    start, end = change.actual_start, change.actual_end
    if window is not None and start is not None and end is not None and (start < window.start or end > window.end):
        findings.append(
            _finding(
                "outside-window",
                f"{change.name} was carried out {start.isoformat()} .. {end.isoformat()}, outside its approved window "
                f"{window.start.isoformat()} .. {window.end.isoformat()}",
                change,
                commit.sha,
                ("spec", "outcome"),
            )
        )
    done = Window(start, end) if start is not None and end is not None and end > start else window
    if done is not None:
        planning = live.planning(change)
        overlapping = [f for f in planning.freezes if done.overlaps(f.window)]
        if overlapping:
            hits = freeze_hits(change, done, planning.radius(change), overlapping, planning.graph, live.catalog)
            for hit in hits:
                if not hit.allowed:
                    findings.append(
                        _finding(
                            "freeze-violation",
                            f"{change.name} was carried out during freeze {hit.freeze.name!r}, which does not allow {change.type} changes",
                            change,
                            commit.sha,
                            ("spec", "window"),
                        )
                    )
    return findings


def direct_commit(commit: CommitInfo, paths: list[str], owners: Sequence[ApprovalNeed] = ()) -> Finding:
    """Records changed without a pull request. A direct commit carries nobody's approval, so when it edits owned
    records this one finding names them and their owners (rather than a missing-approval finding besides)."""
    shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
    message = (
        f"{commit.sha[:12]} by {commit.author} changed {shown} directly on the branch, without a merge or pull request"
    )
    details: dict[str, object] = {"commit": commit.sha, "paths": paths}
    if owners:
        edits = "; ".join(f"{', '.join(need.records[:5])} (owned by {need.team})" for need in owners)
        message += f"; it edits owned records without their owners' approval: {edits}"
        details["owners"] = [{"team": need.team, "records": list(need.records)} for need in owners]
    return Finding(
        "direct-commit",
        Severity.ERROR,
        message,
        Location(paths[0]),
        "changes to records go through pull requests",
        details,
    )

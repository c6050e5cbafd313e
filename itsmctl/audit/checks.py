"""The audit's checks, one per kind of violation, each returning findings that name the commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from itsmctl.audit.evidence import Evidence
from itsmctl.findings import Finding, Location, Severity
from itsmctl.flow.approvals import (
    Approval,
    ApprovalNeed,
    NeedResult,
    count_approvals,
    required_approvals,
)
from itsmctl.flow.templates import template_match
from itsmctl.load.locate import Locator
from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import Change, Policy, Window
from itsmctl.risk.freezes import freeze_hits
from itsmctl.risk.planning import Planning
from itsmctl.risk.score import assess
from itsmctl.vcs.authors import MergedAuthors
from itsmctl.vcs.log import CommitInfo
from itsmctl.vcs.trailers import parse_person, trailer_values

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


@dataclass(frozen=True)
class Snapshot:
    """What was trusted before a commit: its base's policies, team members and owners."""

    policies: tuple[Policy, ...]
    members: dict[str, frozenset[str]]
    owners: dict[str, str]
    # Files with a Policy that did not load: what they required is unknown (see approvals_at).
    invalid_policies: tuple[str, ...] = ()

    @classmethod
    def of(cls, catalog: Catalog) -> Snapshot:
        members = {f"team:{name}": frozenset(m.lower() for m in team.members) for name, team in catalog.teams.items()}
        owners = {f"service:{n}": s.owner for n, s in catalog.services.items()}
        owners.update({f"ci:{n}": c.owner for n, c in catalog.cis.items()})
        # (The audit's live catalog keeps records in by_ref only; a loaded one in records too.)
        records = [*catalog.records, *catalog.by_ref.values()]
        invalid = tuple(sorted({r.path for r in records if r.kind == "Policy" and r.typed is None}))
        return cls(tuple(catalog.policies.values()), members, owners, invalid)

    def owner_of(self, ref: str) -> str | None:
        return self.owners.get(ref)


@dataclass
class ApprovalCheck:
    needs: list[ApprovalNeed]
    results: list[NeedResult]
    source: str | None
    findings: list[Finding] = field(default_factory=list)


def _recorded(
    commit: CommitInfo, evidence: Evidence | None, change: Change, authors: MergedAuthors
) -> tuple[list[Approval], dict[str, str], str | None, dict[str, set[str]]]:
    """Approvals recorded for the commit, who could not approve, the source, and per-team approvers the review verified."""
    excluded = {change.requester.lower(): f"requested {change.name} (no self-approval)"}
    if evidence is not None:
        if evidence.author:
            excluded.setdefault(evidence.author.lower(), "opened the pull request (no self-approval)")
        # Only approvals of the head that was merged: an approval of an earlier push is stale, as in review.
        approvals = [Approval(a.identity, "review", a.commit == evidence.head) for a in evidence.approvals]
        verified: dict[str, set[str]] = {}
        for item in evidence.changes:
            if item.change == change.name:
                for team, who in item.approvers.items():
                    verified.setdefault(team, set()).update(w.lower() for w in who)
        return approvals, excluded, "review evidence", verified
    if commit.is_merge:
        people = [parse_person(value) for value in trailer_values(commit.message, "Approved-by")]
        approvals = [Approval(p.identity, "trailer", True) for p in people if p is not None]
        if approvals and change.requester.lower() in (commit.author_email.lower(), commit.committer_email.lower()):
            # The requester made the merge: its trailers are their own claim, not evidence of anyone's approval.
            return [], excluded, "trailers written by the requester (not counted)", {}
        excluded.setdefault(commit.author_email.lower(), "merged it (no self-approval)")
        if approvals:  # as for `plan --approvals trailers`: whoever wrote the merged commits is an author too
            for author in sorted(authors.of(commit)):
                excluded.setdefault(author, "authored the merged commits (no self-approval)")
        return approvals, excluded, ("trailers" if approvals else None), {}
    return [], excluded, None, {}


def approvals_at(
    commit: CommitInfo,
    change: Change,
    trusted: Snapshot,
    planning: Planning,
    live: LiveCatalog,
    evidence: Evidence | None,
    authors: MergedAuthors,
) -> ApprovalCheck:
    risk = assess(change, planning)
    if change.type == "standard" and template_match(change, live.catalog, risk.level):
        return ApprovalCheck([], [], "standard change template")
    policies = [*trusted.policies, *live.policies()]
    needs = required_approvals(change, policies, trusted.owner_of, risk.level, risk.score)
    approvals, excluded, source, verified = _recorded(commit, evidence, change, authors)

    def is_member(team: str, identity: str) -> bool:
        return identity in trusted.members.get(team, frozenset()) or identity in verified.get(team, set())

    results = count_approvals(needs, approvals, excluded, is_member)
    check = ApprovalCheck(needs, results, source)
    if trusted.invalid_policies:
        # An invalid Policy does not apply, so its requirements would silently be missing: fail closed.
        check.findings.append(
            _finding(
                "missing-approval",
                f"{change.name} became {change.status} while a Policy in {', '.join(trusted.invalid_policies)} "
                "was invalid, so the approvals it required cannot be checked",
                change,
                commit.sha,
                hint="fix the policy; the approvals of changes authorised meanwhile need a manual review",
            )
        )
    for identity in sorted({a.identity.lower() for a in approvals}):
        if identity in excluded:
            check.findings.append(
                _finding(
                    "self-approval",
                    f"{identity} approved {change.name}, but {excluded[identity]}",
                    change,
                    commit.sha,
                    hint="segregation of duties: the requester and the authors may not approve",
                )
            )
    for result in results:
        if not result.satisfied:
            check.findings.append(
                _finding(
                    "missing-approval",
                    f"{change.name} became {change.status} with {len(result.approvers)} of {result.need.count} "
                    f"approval(s) from {result.need.team} ({source or 'no approvals recorded'})",
                    change,
                    commit.sha,
                )
            )
    return check


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


def direct_commit(commit: CommitInfo, paths: list[str]) -> Finding:
    shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
    return Finding(
        "direct-commit",
        Severity.ERROR,
        f"{commit.sha[:12]} by {commit.author} changed {shown} directly on the branch, without a merge or pull request",
        Location(paths[0]),
        "changes to records go through pull requests",
        {"commit": commit.sha, "paths": paths},
    )


def rewritten(sha: str, evidence: Evidence) -> Finding:
    pr = f" (pull request #{evidence.pull_request})" if evidence.pull_request else ""
    return Finding(
        "history-rewrite",
        Severity.ERROR,
        f"approval evidence was recorded for {sha[:12]}{pr}, which is no longer in the history of this branch",
        Location(f"refs/notes/itsm:{sha[:12]}"),
        "someone rewrote the branch after merge; compare with the remote and the evidence",
        {"commit": sha},
    )

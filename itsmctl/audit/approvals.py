"""Re-counting, at each authorisation in history, the approvals recorded for it.

Approvals come from the commit's evidence note (what ``review`` verified) or,
without one, from the ``Approved-by:`` trailers of the merge. Whether each one
counts is decided by ``flow.approvals.rejection``, the same function ``review``
and ``plan`` use; membership comes from the Team files at the commit's base,
plus GitHub team memberships the note records, when its writer is trusted.

Who wrote a note is only judged at the end of the replay (the audited
revision's policies have a say), so an authorisation with a note is counted
three ways up front, one per verdict, and ``resolve`` picks one. Everything it
needs is computed during the replay, in history order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from itsmctl.audit.evidence import Evidence
from itsmctl.audit.trust import NOT_CHECKED, TRUSTED, UNTRUSTED, NoteTrust
from itsmctl.findings import Finding, Severity
from itsmctl.flow.approvals import (
    Approval,
    ApprovalNeed,
    Membership,
    NeedResult,
    RiskBasis,
    count_approvals,
    stricter_approvals,
)
from itsmctl.flow.baseline import with_maxima
from itsmctl.flow.identities import NOBODY_TIED, Identities, identities_of
from itsmctl.flow.trailers import merge_exclusions, trailer_approvals
from itsmctl.load.locate import Locator
from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import Change, Policy
from itsmctl.model.record import Record
from itsmctl.risk.score import RiskAssessment
from itsmctl.vcs.authors import MergedAuthors
from itsmctl.vcs.log import CommitInfo
from itsmctl.vcs.notes import NoteWriter

if TYPE_CHECKING:
    from itsmctl.audit.live import LiveCatalog

SELF_RULE = "self-approval"
MISSING_RULE = "missing-approval"
NO_NOTE = ""
_READINGS = ("the catalog at the commit", "the catalog before the commit")
_LOCATOR = Locator()


@dataclass(frozen=True)
class Snapshot:
    """What was trusted before a commit: its base's policies, team members, GitHub teams and owners."""

    policies: tuple[Policy, ...]
    members: dict[str, frozenset[str]]
    github_teams: dict[str, str]
    owners: dict[str, str]
    # Files whose Policy did not load: what they required is unknown (see ApprovalCount.resolve).
    invalid_policies: tuple[str, ...] = ()
    # Who is one person under several names (Team aliases then, the audited revision's .mailmap).
    identities: Identities = NOBODY_TIED

    @classmethod
    def of(cls, catalog: Catalog, invalid_policies: Iterable[str] = (), mailmap: Identities = NOBODY_TIED) -> Snapshot:
        members = {f"team:{name}": frozenset(m.lower() for m in team.members) for name, team in catalog.teams.items()}
        github = {f"team:{name}": team.github_team.lower() for name, team in catalog.teams.items() if team.github_team}
        owners = {f"service:{n}": s.owner for n, s in catalog.services.items()}
        owners.update({f"ci:{n}": c.owner for n, c in catalog.cis.items()})
        identities = identities_of((catalog,), ()).joined(mailmap)
        return cls(
            tuple(catalog.policies.values()), members, github, owners, tuple(sorted(invalid_policies)), identities
        )

    def owner_of(self, ref: str) -> str | None:
        return self.owners.get(ref)

    def is_member(self, team: str, identity: str) -> bool:
        return identity in self.members.get(team, frozenset())


@dataclass(frozen=True)
class Recorded:
    """The approvals recorded for one authorisation, who may not approve it, and where they came from."""

    approvals: list[Approval]
    excluded: dict[str, str]
    source: str | None
    is_member: Membership
    identities: Identities = NOBODY_TIED

    def count(self, needs: list[ApprovalNeed], requesters: Iterable[str]) -> list[NeedResult]:
        return count_approvals(
            needs, self.approvals, self.excluded, self.is_member, requesters=requesters, identities=self.identities
        )

    def is_excluded(self, identity: str) -> bool:
        return self.identities.matching(identity, self.excluded) is not None


def requested(change: Change) -> dict[str, str]:
    """The requester of a change may not approve it."""
    return {change.requester.lower(): f"requested {change.name} (no self-approval)"}


def from_note(
    commit: CommitInfo,
    evidence: Evidence,
    writer: NoteWriter | None,
    requesters: dict[str, str],
    trusted: Snapshot,
    github: bool,
) -> Recorded:
    """The note's approvals; ``github``: whether its record of GitHub team memberships is believed.

    ``requesters`` maps the requesters of what is approved to why they may not approve it."""
    excluded = dict(requesters)
    if evidence.author:
        excluded.setdefault(evidence.author.lower(), "opened the pull request (no self-approval)")
    # Only approvals of the head that was merged count, as in review. For a merge that head is its
    # second parent, whatever the note says the head was.
    merged_head = commit.parents[1] if commit.is_merge else evidence.head
    recorded_by = writer.identities if writer is not None else frozenset()
    approvals = [
        Approval(a.identity, "review", a.commit == merged_head, False, "evidence note", recorded_by)
        for a in evidence.approvals
    ]
    from_github = {(m.identity.lower(), m.team, m.github_team.lower()) for m in evidence.memberships if github}

    def is_member(team: str, identity: str) -> bool:
        if trusted.is_member(team, identity):
            return True
        slug = trusted.github_teams.get(team)
        return slug is not None and (identity, team, slug) in from_github

    return Recorded(approvals, excluded, "review evidence", is_member, trusted.identities)


def from_trailers(
    commit: CommitInfo, requesters: dict[str, str], trusted: Snapshot, authors: MergedAuthors
) -> Recorded:
    """``Approved-by`` trailers of a merge, read as ``plan --approvals trailers`` reads them."""
    excluded = dict(requesters)
    if not commit.is_merge:  # trailers on an ordinary commit are text anyone could write
        return Recorded([], excluded, None, trusted.is_member, trusted.identities)
    approvals = trailer_approvals(
        commit.message, commit.author_email, commit.committer_email, f"merge {commit.sha[:12]}"
    )
    # Whoever wrote the merged commits is an author too (asked only when it matters: it walks the graph).
    merged = authors.of(commit) if approvals else frozenset()
    for identity, why in merge_exclusions(commit.author_email, merged).items():
        excluded.setdefault(identity, why)
    return Recorded(approvals, excluded, "trailers" if approvals else None, trusted.is_member, trusted.identities)


@dataclass
class ApprovalCheck:
    needs: list[ApprovalNeed]
    results: list[NeedResult]
    source: str | None
    findings: list[Finding] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (identity, why) for approvals that counted nowhere


@dataclass
class ApprovalCount:
    """An authorisation counted under each verdict its evidence note may get (one count without a note)."""

    change: str
    requester: str
    status: str
    commit: str
    record: Record  # to locate findings (only when there are some: locating parses the file again)
    needs: list[ApprovalNeed]
    counted: dict[str, tuple[Recorded, list[NeedResult]]]
    note: str | None = None  # the annotated commit, when there is a note
    template: str | None = None
    invalid_policies: tuple[str, ...] = ()

    @classmethod
    def at(
        cls,
        commit: CommitInfo,
        change: Change,
        risks: list[RiskAssessment],
        template: str | None,
        trusted: Snapshot,
        live: LiveCatalog,
        recorded: dict[str, Recorded],
    ) -> ApprovalCount:
        """Count what ``recorded`` holds (see ``variants``) against what policy required then: under any of the
        risk readings (at the commit, and before it), with the owners before and at the commit (as ``plan``)."""
        if template is not None:
            return cls(
                change.name, change.requester, change.status, commit.sha, change.record, [], {}, template=template
            )
        policies = [*trusted.policies, *live.policies()]
        readings = [RiskBasis(r.level, r.score, source) for r, source in zip(risks, _READINGS, strict=False)]
        owners = (trusted.owner_of, live.catalog.owner_of)
        needs = stricter_approvals(change, policies, owners, with_maxima(readings))
        counted = {verdict: (r, r.count(needs, [change.requester])) for verdict, r in recorded.items()}
        note = commit.sha if NO_NOTE not in recorded else None
        return cls(
            change.name,
            change.requester,
            change.status,
            commit.sha,
            change.record,
            needs,
            counted,
            note,
            invalid_policies=trusted.invalid_policies,
        )

    def resolve(self, trust: NoteTrust | None) -> ApprovalCheck:
        if self.template is not None:
            return ApprovalCheck([], [], "standard change template")
        verdict = NO_NOTE if self.note is None else (trust.verdict if trust is not None else UNTRUSTED)
        recorded, results = self.counted[verdict]
        source = recorded.source
        if verdict == UNTRUSTED and self.note is not None:
            source = f"{source} (the evidence note is not trusted)" if source else "evidence note not trusted"
        check = ApprovalCheck(self.needs, results, source)
        if self.invalid_policies:
            # An invalid Policy does not apply, so its requirements would silently be missing: fail closed.
            check.findings.append(
                self._finding(
                    MISSING_RULE,
                    Severity.ERROR,
                    f"{self.change} became {self.status} while a Policy in {', '.join(self.invalid_policies)} "
                    "was invalid, so the approvals it required cannot be checked",
                    "fix the policy; the approvals of changes authorised meanwhile need a manual review",
                )
            )
        check.ignored = ignored(results)
        lacking = any(not result.satisfied for result in results)
        for who, why in check.ignored:
            if recorded.is_excluded(who):
                # Review ignores such an approval and goes by the others: so does the audit, unless
                # the others were not enough (then the attempt is part of the violation).
                check.findings.append(
                    self._finding(
                        SELF_RULE,
                        Severity.ERROR if lacking else Severity.INFO,
                        f"{who} approved {self.change}, but {why}"
                        + ("" if lacking else "; not counted, and the others' approvals were enough"),
                        "segregation of duties: the requester and the authors may not approve",
                    )
                )
        not_counted = "; ".join(f"{who}: {why}" for who, why in check.ignored)
        for result in results:
            if not result.satisfied:
                check.findings.append(
                    self._finding(
                        MISSING_RULE,
                        Severity.ERROR,
                        f"{self.change} became {self.status} with {len(result.approvers)} of {result.need.count} "
                        f"approval(s) from {result.need.team} ({source or 'no approvals recorded'}"
                        + (f"; not counted: {not_counted})" if not_counted else ")"),
                    )
                )
        return check

    def _finding(self, rule: str, severity: Severity, message: str, hint: str = "") -> Finding:
        details: dict[str, object] = {"commit": self.commit, "change": self.change}
        location = _LOCATOR.locate(self.record, ("spec", "status"))
        return Finding(rule, severity, f"{message} (commit {self.commit[:12]})", location, hint, details)


def variants(
    commit: CommitInfo,
    requesters: dict[str, str],
    trusted: Snapshot,
    evidence: Evidence | None,
    writer: NoteWriter | None,
    authors: MergedAuthors,
) -> dict[str, Recorded]:
    """What is recorded for an authorisation (or an edit of owned records) at ``commit``, per verdict its note
    may get (one entry without a note); ``requesters``: who requested what is approved, and why they are out."""
    trailers = from_trailers(commit, requesters, trusted, authors)
    if evidence is None:
        return {NO_NOTE: trailers}
    return {
        TRUSTED: from_note(commit, evidence, writer, requesters, trusted, github=True),
        NOT_CHECKED: from_note(commit, evidence, writer, requesters, trusted, github=False),
        UNTRUSTED: trailers,  # a note that is not evidence leaves what the merge itself records
    }


def verdict_of(recorded: dict[str, Recorded], trust: NoteTrust | None) -> str:
    """Which of ``variants`` counts, once the note (if any) is judged."""
    if NO_NOTE in recorded:
        return NO_NOTE
    return trust.verdict if trust is not None else UNTRUSTED


def ignored(results: list[NeedResult]) -> list[tuple[str, str]]:
    """(identity, why) of the approvals that counted for no need, each once with every reason."""
    counted = {who.lower() for result in results for who in result.approvers}
    reasons: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for result in results:
        for identity, why in result.rejected:
            if identity.lower() not in counted:
                names.setdefault(identity.lower(), identity)
                reasons.setdefault(identity.lower(), [])
                if why not in reasons[identity.lower()]:
                    reasons[identity.lower()].append(why)
    return [(names[who], "; ".join(whys)) for who, whys in reasons.items()]

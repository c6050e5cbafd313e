"""The evidence note written at merge: who approved what, verified by ``itsmctl review``.

Stored as JSON in a git note on the merge commit (``refs/notes/itsm``), so an
auditor with a clone (and the notes fetched) needs no access to GitHub. The
audit re-counts these approvals against the policy and the Team files in force
at that commit; the note is testimony, not a verdict. What only GitHub knows,
membership of a ``githubTeam``, is written down as GitHub answered it (team,
login, time), and the audit believes it only from a writer a Policy trusts.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from itsmctl.flow.approvals import team_members
from itsmctl.flow.review import ReviewOutcome, approvals_from_reviews
from itsmctl.model.kinds import Team

FORMAT_VERSION = 3  # 2: memberships; 3: record_owners


@dataclass
class RecordedApproval:
    identity: str
    commit: str
    submitted_at: str


@dataclass
class RecordedMembership:
    """GitHub said ``identity`` is an active member of ``github_team``, which is ``team``'s githubTeam."""

    identity: str
    team: str  # team:NAME
    github_team: str  # ORG/SLUG
    checked_at: str


@dataclass
class ChangeEvidence:
    change: str
    transition: list[str | None]
    risk_level: str
    risk_score: int
    required: list[dict[str, Any]]
    approvers: dict[str, list[str]]
    satisfied: bool


@dataclass
class RecordOwnersEvidence:
    """The owners of records the pull request edited (``record-owners``): who of them approved the merged head."""

    requirement: str
    team: str
    count: int
    records: list[str]
    approvers: list[str]
    satisfied: bool


@dataclass
class Evidence:
    repository: str
    pull_request: int | None
    author: str | None
    head: str
    merge_commit: str
    recorded_at: str
    recorded_by: str = "itsmctl"
    version: int = FORMAT_VERSION
    approvals: list[RecordedApproval] = field(default_factory=list)
    changes: list[ChangeEvidence] = field(default_factory=list)
    memberships: list[RecordedMembership] = field(default_factory=list)
    record_owners: list[RecordOwnersEvidence] = field(default_factory=list)

    def to_text(self) -> str:
        return json.dumps({"itsmctlEvidence": asdict(self)}, indent=2, sort_keys=True) + "\n"


class EvidenceError(ValueError):
    pass


def parse_evidence(raw: bytes) -> Evidence:
    try:
        document = json.loads(raw.decode("utf-8"))
        body = document["itsmctlEvidence"]
        approvals = [RecordedApproval(**a) for a in body.pop("approvals", [])]
        changes = [ChangeEvidence(**c) for c in body.pop("changes", [])]
        memberships = [RecordedMembership(**m) for m in body.pop("memberships", [])]
        owners = [RecordOwnersEvidence(**o) for o in body.pop("record_owners", [])]
        evidence = Evidence(**body, approvals=approvals, changes=changes, memberships=memberships, record_owners=owners)
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise EvidenceError(f"not an itsmctl evidence note ({type(error).__name__}: {error})") from None
    if not all(isinstance(a.identity, str) and isinstance(a.commit, str) for a in evidence.approvals):
        raise EvidenceError("approvals must name identities and commits")
    if not all(
        isinstance(getattr(m, key), str) for m in evidence.memberships for key in ("identity", "team", "github_team")
    ):
        raise EvidenceError("memberships must name an identity, a team and a GitHub team")
    if not isinstance(evidence.merge_commit, str) or not isinstance(evidence.head, str):
        raise EvidenceError("merge_commit and head must be commit ids")
    return evidence


def evidence_from_review(outcome: ReviewOutcome, repository: str, merge_commit: str, reviews: list[Any]) -> Evidence:
    approvals = approvals_from_reviews(reviews, outcome.pull.head_sha)
    by_identity = {r.reviewer.lower(): r for r in reviews}
    recorded = [
        RecordedApproval(
            a.identity,
            outcome.pull.head_sha,
            by_identity[a.identity.lower()].submitted_at.isoformat()
            if by_identity[a.identity.lower()].submitted_at
            else "",
        )
        for a in approvals
        if a.current and not a.is_bot
    ]
    changes = []
    trusted = outcome.plan.trusted_catalog
    memberships: dict[tuple[str, str], RecordedMembership] = {}
    checked_at = datetime.now(UTC).isoformat()
    counted = [result for item in outcome.plan.changes for result in outcome.results.get(item.change.name, [])]
    for result in [*counted, *outcome.record_results]:
        team = trusted.typed(result.need.team)
        for identity in result.approvers:
            # Counted, but not listed in the Team file: review asked GitHub (see flow.review.membership).
            if identity.lower() not in team_members(trusted, result.need.team) and isinstance(team, Team):
                if team.github_team:
                    key = (identity.lower(), result.need.team)
                    memberships[key] = RecordedMembership(identity, result.need.team, team.github_team, checked_at)
    for item in outcome.plan.changes:
        results = outcome.results.get(item.change.name, [])
        before, after = item.transition
        changes.append(
            ChangeEvidence(
                change=item.change.name,
                transition=[before, after],
                risk_level=item.risk.level,
                risk_score=item.risk.score,
                required=[{"team": n.team, "count": n.count, "requirement": n.requirement} for n in item.needs],
                approvers={r.need.team: list(r.approvers) for r in results},
                satisfied=all(r.satisfied for r in results),
            )
        )
    return Evidence(
        repository=repository,
        pull_request=outcome.pull.number,
        author=outcome.pull.author,
        head=outcome.pull.head_sha,
        merge_commit=merge_commit,
        recorded_at=datetime.now(UTC).isoformat(),
        approvals=recorded,
        changes=changes,
        memberships=list(memberships.values()),
        record_owners=[
            RecordOwnersEvidence(
                r.need.requirement, r.need.team, r.need.count, list(r.need.records), list(r.approvers), r.satisfied
            )
            for r in outcome.record_results
        ],
    )

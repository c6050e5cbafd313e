"""The evidence note written at merge: who approved what, verified by ``itsmctl review``.

Stored as JSON in a git note on the merge commit (``refs/notes/itsm``), so an
auditor with a clone (and the notes fetched) needs no access to GitHub. The
audit re-counts these approvals against the policy in force at that commit;
the note is testimony, not a verdict.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from itsmctl.flow.review import ReviewOutcome, approvals_from_reviews

FORMAT_VERSION = 1


@dataclass
class RecordedApproval:
    identity: str
    commit: str
    submitted_at: str


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
        evidence = Evidence(**body, approvals=approvals, changes=changes)
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise EvidenceError(f"not an itsmctl evidence note ({type(error).__name__}: {error})") from None
    if not all(isinstance(a.identity, str) for a in evidence.approvals):
        raise EvidenceError("approvals must name identities")
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
    )

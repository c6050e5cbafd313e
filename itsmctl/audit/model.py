"""What an audit reports: the trail of every change, and the findings, each with its commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from itsmctl.findings import Finding


@dataclass(frozen=True)
class Transition:
    before: str | None  # None: the change appeared
    after: str | None  # None: the change file was removed
    commit: str
    author: str
    committer: str
    date: datetime
    path: str
    via: str  # "merge", "pull request #N", "direct commit", "initial commit"


@dataclass
class ChangeTrail:
    name: str
    path: str
    title: str = ""
    type: str = ""
    requester: str = ""
    targets: tuple[str, ...] = ()
    transitions: list[Transition] = field(default_factory=list)
    authorised_by: str | None = None  # the commit that moved it to approved (or further)
    authorised_at: datetime | None = None
    approvals: list[str] = field(default_factory=list)  # identities that counted
    approval_source: str | None = None  # "review evidence" or "trailers"
    required: list[str] = field(default_factory=list)  # labels of what policy required then
    status: str = ""
    outcome: str = ""
    removed: bool = False

    @property
    def last_date(self) -> datetime | None:
        return self.transitions[-1].date if self.transitions else None


@dataclass
class AuditReport:
    head: str
    commits: int
    trails: list[ChangeTrail]
    findings: list[Finding]
    notes: int = 0
    since: datetime | None = None
    until: datetime | None = None
    service: str | None = None

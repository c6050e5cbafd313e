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
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (identity, why) of approvals that did not count
    required: list[str] = field(default_factory=list)  # labels of what policy required then
    status: str = ""
    outcome: str = ""
    removed: bool = False

    @property
    def last_date(self) -> datetime | None:
        return self.transitions[-1].date if self.transitions else None


@dataclass(frozen=True)
class NoteRecord:
    """An evidence note: on which commit, who wrote it (the notes commit that wrote its text), the verdict."""

    commit: str  # the annotated commit
    pull_request: int | None
    notes_commit: str | None  # None: no commit of the notes ref wrote this text
    author: str | None
    committer: str | None
    date: str | None
    signature: str | None  # None: not checked (no policy requires signed notes)
    signer: str | None
    trust: str  # trusted | untrusted | not checked
    reasons: tuple[str, ...]


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
    evidence: list[NoteRecord] = field(default_factory=list)  # every evidence note: who wrote it, and the verdict

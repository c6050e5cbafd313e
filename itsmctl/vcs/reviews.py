"""What the change flow reads from a code host, without importing its client library."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

STATUS_CONTEXT = "itsmctl/approvals"


@dataclass(frozen=True)
class Review:
    id: int
    reviewer: str
    is_bot: bool
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
    commit: str
    submitted_at: datetime | None


@dataclass(frozen=True)
class PullRequestInfo:
    number: int
    author: str
    head_sha: str
    base_sha: str
    base_ref: str
    state: str

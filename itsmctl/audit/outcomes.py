"""Outcomes of past changes that only git history still knows (their files were removed)."""

from __future__ import annotations

from pathlib import Path

from itsmctl.audit.live import changes_in, parse_blob
from itsmctl.errors import ItsmError
from itsmctl.risk.history import OUTCOMES, History, PastOutcome
from itsmctl.vcs.blobs import read_blobs
from itsmctl.vcs.git import open_repository
from itsmctl.vcs.log import iter_first_parent_commits


def outcomes_from_git(root: Path, rev: str = "HEAD") -> list[PastOutcome]:
    """Closed changes whose files were deleted: read each file's last version before deletion."""
    try:
        repo = open_repository(root)
        repo.commit(rev)
    except (ItsmError, ValueError, Exception):  # noqa: BLE001 - no repository or no commit yet: no history
        return []
    found: list[PastOutcome] = []
    deleted = [
        (commit, change)
        for commit in iter_first_parent_commits(repo, rev, ["changes"])
        for change in commit.files
        if change.status == "D" and change.path.endswith((".yaml", ".yml"))
    ]
    blobs = read_blobs(repo, [change.old_blob for _, change in deleted])
    for commit, change in deleted:
        if change.old_blob in blobs:
            for past in changes_in(parse_blob(change.path, blobs[change.old_blob])).values():
                if past.status in OUTCOMES:
                    ended = past.actual_end or (past.window.end if past.window else commit.committed)
                    found.append(PastOutcome(past.name, past.target_refs, past.status, ended, source="git history"))
    return found


def add_git_history(history: History, root: Path) -> int:
    """Add outcomes from git history; returns how many were found."""
    outcomes = outcomes_from_git(root)
    for outcome in outcomes:
        history.add(outcome)
    return len(outcomes)

"""The repository's ``.mailmap`` at a revision, read from git objects (see ``flow.identities``)."""

from __future__ import annotations

import git

MAILMAP = ".mailmap"
_MAX_BYTES = 1 << 20  # a mailmap is a list of people: anything larger is not one


def read_mailmap(repo: git.Repo, rev: str) -> str:
    """The text of ``.mailmap`` at ``rev`` ("" when it has none, or it is not a regular file of sensible size)."""
    try:
        entry = repo.commit(rev).tree / MAILMAP
    except (KeyError, ValueError, git.BadName):
        return ""
    if entry.type != "blob" or entry.mode not in (0o100644, 0o100755) or entry.size > _MAX_BYTES:
        return ""
    return bytes(entry.data_stream.read()).decode("utf-8", "replace")

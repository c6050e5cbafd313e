"""The repository's ``.mailmap``, read from git objects (see ``flow.identities``)."""

from __future__ import annotations

import git

from itsmctl.vcs.blobs import read_blobs

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


def mailmap_history(repo: git.Repo, rev: str) -> list[str]:
    """Every version of ``.mailmap`` in the history of ``rev`` (two git processes, however long the history).

    The audit judges each merge by the ties it may have been judged by: its pull request's ``.mailmap``
    as much as today's. Ties only ever exclude, so reading more of them is never a false pass.
    """
    try:
        listing = repo.git.log("--format=", "--raw", "--no-abbrev", "--no-renames", rev, "--", MAILMAP)
    except git.GitCommandError:
        return []
    blobs = set()
    for line in listing.splitlines():
        fields = line.split()
        # ":100644 100644 OLD NEW M\t.mailmap": the new version, unless deleted (all zeros).
        if (
            len(fields) >= 5
            and fields[0].startswith(":")
            and fields[1] in ("100644", "100755")
            and set(fields[3]) != {"0"}
        ):
            blobs.add(fields[3])
    texts = read_blobs(repo, sorted(blobs))
    return [data[:_MAX_BYTES].decode("utf-8", "replace") for data in texts.values()]

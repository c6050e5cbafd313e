"""Evidence kept in git notes under ``refs/notes/itsm``.

Notes travel with the repository (``git push origin refs/notes/itsm``) and are
keyed by commit, so a merge commit carries the approvals that authorised it.
"""

from __future__ import annotations

import git

from itsmctl.errors import ItsmError

NOTES_REF = "itsm"
MAX_NOTE_BYTES = 1 << 20


def read_notes(repo: git.Repo) -> dict[str, bytes]:
    """commit sha -> note text, for every note under refs/notes/itsm (one git process and batched reads)."""
    try:
        listing = repo.git.notes("--ref", NOTES_REF, "list")
    except git.GitCommandError:
        return {}  # no notes ref yet
    notes: dict[str, bytes] = {}
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) != 2:
            continue
        blob, commit = parts
        stream = repo.odb.stream(bytes.fromhex(blob))
        notes[commit] = bytes(stream.read(MAX_NOTE_BYTES + 1))
    return notes


def write_note(repo: git.Repo, commit: str, text: str) -> None:
    try:
        repo.git.notes("--ref", NOTES_REF, "add", "-f", "-m", text, commit)
    except git.GitCommandError as error:
        raise ItsmError(f"cannot write the evidence note on {commit[:12]}: {error.stderr.strip()}") from None


def push_notes(repo: git.Repo, remote: str = "origin") -> None:
    try:
        repo.git.push(remote, f"refs/notes/{NOTES_REF}:refs/notes/{NOTES_REF}")
    except git.GitCommandError as error:
        raise ItsmError(f"cannot push refs/notes/{NOTES_REF} to {remote}: {error.stderr.strip()}") from None

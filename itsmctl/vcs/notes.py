"""Evidence kept in git notes under ``refs/notes/itsm``, and who wrote each note.

Notes travel with the repository (``git push origin refs/notes/itsm``) and are
keyed by commit, so a merge commit carries the approvals that authorised it.
A note is only as good as whoever wrote it, so the notes ref's own history is
read too: one ``git log`` over ``refs/notes/itsm`` maps each note's text to the
notes commit that wrote it (its author, committer and date), and, when asked,
whether that commit carries a good signature (the check ``git verify-commit``
makes, for every commit in the same one process).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import git

from itsmctl.errors import ItsmError
from itsmctl.vcs.blobs import read_blobs
from itsmctl.vcs.log import nul_tokens

NOTES_REF = "itsm"
FULL_REF = f"refs/notes/{NOTES_REF}"
MAX_NOTE_BYTES = 1 << 20
_MARKER = b"\x1eitsmctl-notes"
# %G? as git prints it, in words.
SIGNATURES = {
    "G": "good",
    "B": "bad",
    "U": "untrusted key",
    "X": "expired",
    "Y": "expired key",
    "R": "revoked key",
    "E": "cannot be checked",
    "N": "none",
}


@dataclass(frozen=True)
class NoteWriter:
    """The notes commit that wrote a note's current text."""

    notes_commit: str
    author_name: str
    author_email: str
    committer_name: str
    committer_email: str
    date: str  # committer date, ISO 8601
    signature: str | None = None  # a value of SIGNATURES; None when not checked
    signer: str = ""  # who signed, as git reports it (%GS)

    @property
    def author(self) -> str:
        return f"{self.author_name} <{self.author_email}>"

    @property
    def committer(self) -> str:
        return f"{self.committer_name} <{self.committer_email}>"

    @property
    def identities(self) -> frozenset[str]:
        return frozenset({self.author_email.lower(), self.committer_email.lower()})


def note_blobs(repo: git.Repo) -> dict[str, str]:
    """commit sha -> blob sha of its note, for every note under refs/notes/itsm."""
    try:
        listing = repo.git.notes("--ref", NOTES_REF, "list")
    except git.GitCommandError:
        return {}  # no notes ref yet
    blobs: dict[str, str] = {}
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) == 2:
            blobs[parts[1]] = parts[0]
    return blobs


def read_notes(repo: git.Repo, blobs: dict[str, str] | None = None) -> dict[str, bytes]:
    """commit sha -> note text (at most MAX_NOTE_BYTES + 1 bytes), read in one batch."""
    blobs = note_blobs(repo) if blobs is None else blobs
    texts = read_blobs(repo, blobs.values())
    return {commit: texts[blob][: MAX_NOTE_BYTES + 1] for commit, blob in blobs.items() if blob in texts}


def _notes_log(repo: git.Repo) -> Iterator[tuple[list[str], list[tuple[str, str]]]]:
    """(commit fields, [(annotated commit, new blob)]) per notes commit, newest first (topological order).

    A merge lists only the notes it wrote itself (``--diff-merges=combined``:
    paths that differ from every parent, e.g. a ``union`` of both sides); a note
    it took unchanged from one side stays with the commit that wrote it there.
    """
    fields = "%x00".join(["%H", "%an", "%ae", "%cn", "%ce", "%cI"])
    try:
        process = repo.git.log(
            "--topo-order",
            "--root",  # the first notes commit wrote notes too, whatever log.showRoot says
            "--raw",
            "--no-abbrev",
            "--no-renames",
            "--diff-merges=combined",
            "-z",
            "--no-color",
            f"--format={_MARKER.decode()}%x00{fields}",
            FULL_REF,
            "--",
            as_process=True,
        )
    except git.GitCommandError as error:
        raise ItsmError(f"git log {FULL_REF} failed: {error.stderr.strip() or error}") from None
    stdout = process.proc.stdout
    assert stdout is not None
    tokens = nul_tokens(stdout)
    current: list[str] | None = None
    written: list[tuple[str, str]] = []
    try:
        for token in tokens:
            stripped = token.lstrip(b"\n")
            if stripped == _MARKER:
                if current is not None:
                    yield current, written
                current = [next(tokens).decode("utf-8", "surrogateescape") for _ in range(6)]
                written = []
            elif stripped.startswith(b":") and current is not None:
                # ":old new old-blob new-blob status" or, for a merge, "::m1 m2 m new1 new2 new status": the
                # blob the commit wrote is the last one before the status.
                meta = stripped.decode("ascii", "replace").split()
                path = next(tokens).decode("utf-8", "surrogateescape")
                written.append((path.replace("/", ""), meta[-2]))  # notes may be fanned out as ab/cdef...
        if current is not None:
            yield current, written
        process.wait()
    except git.GitCommandError as error:
        raise ItsmError(f"git log {FULL_REF} failed: {error.stderr.strip() or error}") from None
    finally:
        if process.proc.poll() is None:  # the caller stopped early: every note had found its writer
            process.proc.kill()
            process.proc.wait()


def note_writers(repo: git.Repo, blobs: dict[str, str]) -> dict[str, NoteWriter]:
    """commit sha -> the notes commit that wrote its current note (``blobs`` from ``note_blobs``)."""
    if not blobs:
        return {}
    writers: dict[str, NoteWriter] = {}
    for fields, written in _notes_log(repo):
        for annotated, blob in written:
            if annotated not in writers and blobs.get(annotated) == blob:
                sha, an, ae, cn, ce, date = fields
                writers[annotated] = NoteWriter(sha, an, ae, cn, ce, date)
        if len(writers) == len(blobs):
            break  # every note found its writer; older history cannot change that
    return writers


def signatures(repo: git.Repo, commits: Iterable[str]) -> dict[str, tuple[str, str]]:
    """commit sha -> (signature status, signer): the verdict of ``git verify-commit``, all commits in one process.

    ``%G?`` is git's own verification (gpg, or ssh-keygen with
    ``gpg.ssh.allowedSignersFile``), the same function ``verify-commit`` calls;
    only "good" (G) passes it.
    """
    wanted = list(dict.fromkeys(commits))
    if not wanted:
        return {}
    try:
        output = repo.git.log(
            "--no-walk=unsorted", "--stdin", "--format=%H%x00%G?%x00%GS%x00", istream=subprocess.PIPE, as_process=True
        )
    except git.GitCommandError as error:
        raise ItsmError(f"git log failed: {error.stderr.strip() or error}") from None
    stdout, _ = output.proc.communicate("".join(f"{sha}\n" for sha in wanted).encode())
    found: dict[str, tuple[str, str]] = {}
    parts = stdout.decode("utf-8", "surrogateescape").split("\0")
    for index in range(0, len(parts) - 2, 3):
        sha, status, signer = parts[index].strip(), parts[index + 1], parts[index + 2]
        found[sha] = (SIGNATURES.get(status, "cannot be checked"), signer)
    return found


def write_note(repo: git.Repo, commit: str, text: str, sign: bool = False) -> None:
    """Write (or replace) the note; ``sign``: the notes commit is signed with the user's signing key.

    ``git notes`` never signs the commits it makes, so a signed note is made by
    re-creating that commit (same tree, parents and message) with ``commit-tree -S``.
    """
    try:
        repo.git.notes("--ref", NOTES_REF, "add", "-f", "-m", text, commit)
        if sign:
            unsigned = repo.git.rev_parse(FULL_REF)
            parents = repo.git.rev_parse(f"{unsigned}^@").split()
            message = repo.git.log("-1", "--format=%B", unsigned)
            parent_args = [arg for parent in parents for arg in ("-p", parent)]
            signed = repo.git.commit_tree("-S", *parent_args, "-m", message, f"{unsigned}^{{tree}}")
            repo.git.update_ref(FULL_REF, signed, unsigned)
    except git.GitCommandError as error:
        raise ItsmError(f"cannot write the evidence note on {commit[:12]}: {error.stderr.strip()}") from None


def push_notes(repo: git.Repo, remote: str = "origin") -> None:
    try:
        repo.git.push(remote, f"{FULL_REF}:{FULL_REF}")
    except git.GitCommandError as error:
        raise ItsmError(f"cannot push {FULL_REF} to {remote}: {error.stderr.strip()}") from None

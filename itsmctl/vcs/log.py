"""One streaming ``git log`` over the history of the record folders.

Every commit on the first-parent line of a branch (what landed on it, merge by
merge) with author, committer, dates, message, parents and the raw diff against
its first parent: modes, blob ids and paths. Fields are separated by NUL bytes,
which git never puts in a message or a path, and parsed by count, so a commit
message or a file name cannot forge the structure.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import git

from itsmctl.errors import ItsmError

_MARKER = "\x1eitsmctl-commit"
_FORMAT = f"{_MARKER}%x00%H%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B"
ZERO_SHA = "0" * 40


@dataclass(frozen=True)
class FileChange:
    status: str  # A, M, D, R, C, T
    path: str
    old_path: str | None
    old_blob: str
    new_blob: str  # ZERO_SHA when deleted
    new_mode: str


@dataclass
class CommitInfo:
    sha: str
    parents: list[str]
    author_name: str
    author_email: str
    authored: datetime
    committer_name: str
    committer_email: str
    committed: datetime
    message: str
    files: list[FileChange] = field(default_factory=list)

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def author(self) -> str:
        return f"{self.author_name} <{self.author_email}>"

    @property
    def committer(self) -> str:
        return f"{self.committer_name} <{self.committer_email}>"


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def iter_first_parent_commits(repo: git.Repo, rev: str, paths: list[str]) -> Iterator[CommitInfo]:
    """Oldest first. Only commits touching ``paths`` carry file changes."""
    try:
        process = repo.git.log(
            "--first-parent",
            "--reverse",
            "--raw",
            "--no-abbrev",
            "-z",
            "-M",
            "--diff-merges=first-parent",
            "--no-color",
            "--no-ext-diff",
            f"--format={_FORMAT}",
            rev,
            "--",
            *paths,
            as_process=True,
        )
    except git.GitCommandError as error:
        raise ItsmError(f"git log failed: {error.stderr.strip() or error}") from None
    stdout = process.proc.stdout
    assert stdout is not None
    yield from _parse(nul_tokens(stdout))
    process.wait()


def nul_tokens(stream) -> Iterator[bytes]:  # type: ignore[no-untyped-def]
    """NUL-separated tokens from a byte stream, read in large chunks."""
    pending = b""
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            break
        pending += chunk
        parts = pending.split(b"\0")
        pending = parts.pop()
        yield from parts
    if pending:
        yield pending


def _commit_date(sha: str, text: str) -> datetime:
    # git stores any 64-bit timestamp (a commit can claim the year 3170843); Python's
    # datetime stops at 9999. Such a history cannot be read honestly: say so (exit 2).
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ItsmError(f"commit {sha[:12]} has a date itsmctl cannot read: {text!r}") from None


def _parse(tokens: Iterator[bytes]) -> Iterator[CommitInfo]:
    marker = _MARKER.encode()
    current: CommitInfo | None = None
    for token in tokens:
        stripped = token.lstrip(b"\n")
        if stripped == marker:
            if current is not None:
                yield current
            fields = [next(tokens) for _ in range(9)]
            sha, parents, an, ae, ad, cn, ce, cd, message = (_decode(f) for f in fields)
            current = CommitInfo(
                sha=sha,
                parents=parents.split(),
                author_name=an,
                author_email=ae,
                authored=_commit_date(sha, ad),
                committer_name=cn,
                committer_email=ce,
                committed=_commit_date(sha, cd),
                message=message,
            )
            continue
        if stripped.startswith(b":") and current is not None:
            meta = _decode(stripped[1:]).split()
            _, new_mode, old_blob, new_blob, status = meta[:5]
            kind = status[:1]
            if kind in ("R", "C"):
                old_path, path = _decode(next(tokens)), _decode(next(tokens))
            else:
                old_path, path = None, _decode(next(tokens))
            current.files.append(FileChange(kind, path, old_path, old_blob, new_blob, new_mode))
    if current is not None:
        yield current


def later_on_refs(repo: git.Repo, rev: str) -> set[str]:
    """Commits that came after ``rev`` on some branch, tag or remote-tracking branch (descendants of ``rev``)."""
    return set(repo.git.rev_list("--ancestry-path", f"^{rev}", "--branches", "--tags", "--remotes").split())


def ancestry(repo: git.Repo, rev: str) -> set[str]:
    """Every commit reachable from ``rev``."""
    return set(repo.git.rev_list(rev).split())

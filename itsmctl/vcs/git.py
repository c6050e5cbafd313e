"""Reading records straight from git objects, with GitPython.

One ``git ls-tree`` lists a revision's record files; their blobs are then read
through GitPython's persistent ``git cat-file --batch`` process, so loading a
revision costs two git processes however many files it has, and never touches
the working tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import git

from itsmctl.errors import ItsmError
from itsmctl.findings import Finding, Location, Severity
from itsmctl.load.discover import RECORD_ROOTS, is_record_file
from itsmctl.load.links import MAX_LINK_TEXT, NOWHERE, Node, folder_link, resolve_link
from itsmctl.load.records import DEFAULT_MAX_FILE_BYTES, LoadResult, load_sources, too_large
from itsmctl.vcs.blobs import read_blobs

_SYMLINK_MODE = "120000"


def open_repository(path: Path) -> git.Repo:
    try:
        return git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise ItsmError(f"{path}: not inside a git repository") from None


def resolve_commit(repo: git.Repo, rev: str) -> git.Commit:
    try:
        return repo.commit(rev)
    except (git.BadName, ValueError, git.GitCommandError):
        raise ItsmError(f"unknown revision {rev!r}") from None


@dataclass(frozen=True)
class TreeEntry:
    mode: str
    sha: str
    size: int
    path: str


def _list_blobs(repo: git.Repo, commit: git.Commit) -> list[TreeEntry]:
    output = repo.git.ls_tree("-r", "-l", "-z", "--full-tree", commit.hexsha, stdout_as_string=False)
    entries = []
    for raw in output.split(b"\0"):
        if not raw:
            continue
        meta, _, path_bytes = raw.partition(b"\t")
        mode, kind, sha, size = meta.decode().split()
        if kind == "blob":
            path = path_bytes.decode("utf-8", "surrogateescape")
            entries.append(TreeEntry(mode, sha, int(size) if size.isdigit() else 0, path))
    return entries


def record_entries(blobs: list[TreeEntry]) -> list[TreeEntry]:
    """YAML files under catalog/, changes/ and policies/ (anywhere when none exists), as on disk."""
    roots = {root for root in RECORD_ROOTS if any(e.path.startswith(root + "/") for e in blobs)}

    def wanted(entry: TreeEntry) -> bool:
        return is_record_file(entry.path) and (not roots or entry.path.split("/", 1)[0] in roots)

    return sorted((e for e in blobs if wanted(e)), key=lambda e: e.path)


class _TreeLookup:
    """``load.links`` lookups in one revision's tree: its blobs, the folders they imply, link texts read on demand."""

    def __init__(self, by_path: dict[str, TreeEntry], blob: Callable[[str], bytes]) -> None:
        self.by_path = by_path
        self.blob = blob
        self.folders = {path.rsplit("/", 1)[0] for path in by_path if "/" in path}
        for folder in list(self.folders):
            while "/" in folder:
                folder = folder.rsplit("/", 1)[0]
                self.folders.add(folder)

    def __call__(self, path: str) -> Node:
        entry = self.by_path.get(path)
        if entry is not None:
            if entry.mode == _SYMLINK_MODE:
                # A link's text is at most PATH_MAX: a bigger blob is no link anyone can follow.
                if entry.size > MAX_LINK_TEXT:
                    return Node("link", "/" * (MAX_LINK_TEXT + 1))
                return Node("link", self.blob(entry.sha).decode("utf-8", "surrogateescape"))
            return Node("file")
        return Node("dir") if path in self.folders else Node("missing")


def _link_finding(path: str, problem: str) -> Finding:
    return Finding(
        "unsafe-path",
        Severity.ERROR,
        f"symlink {problem}; it was not followed",
        Location(path),
        "replace the link with the file itself, or point it at a file inside the repository",
    )


def _sources(
    repo: git.Repo,
    entries: list[TreeEntry],
    by_path: dict[str, TreeEntry],
    max_bytes: int,
    problems: list[Finding],
    links: dict[str, tuple[str, ...]],
) -> Iterator[tuple[str, bytes]]:
    blobs = read_blobs(repo, [e.sha for e in entries if e.size <= max_bytes or e.mode == _SYMLINK_MODE])

    def blob(sha: str) -> bytes:
        return blobs[sha] if sha in blobs else bytes(repo.odb.stream(bytes.fromhex(sha)).read())

    lookup: _TreeLookup | None = None
    for entry in entries:
        target = entry
        if entry.mode == _SYMLINK_MODE:
            # Followed as the working tree follows it (load.links): validate and plan read the same records.
            lookup = lookup or _TreeLookup(by_path, blob)
            resolved = resolve_link(entry.path, lookup)
            if resolved.problem or resolved.kind != "file":
                problems.append(_link_finding(entry.path, resolved.problem or NOWHERE))
                continue
            target = by_path[resolved.path]
            links[entry.path] = resolved.through
        if target.size > max_bytes:
            problems.append(too_large(entry.path, target.size, max_bytes))
            continue
        yield entry.path, blob(target.sha)


@dataclass
class _RecordTree:
    """A revision's record files as the working tree shows them: a record folder (``changes``) that is a
    link to a folder is read through the link, as ``discover`` walks it, its files under the link's name."""

    by_path: dict[str, TreeEntry]
    entries: list[TreeEntry]
    # A file read through a linked record folder: its path -> the link, then the file read.
    via: dict[str, tuple[str, ...]]
    problems: list[Finding]


def _record_tree(repo: git.Repo, commit: git.Commit) -> _RecordTree:
    blobs = _list_blobs(repo, commit)
    by_path = {entry.path: entry for entry in blobs}
    lookup = _TreeLookup(by_path, lambda sha: bytes(repo.odb.stream(bytes.fromhex(sha)).read()))
    via: dict[str, tuple[str, ...]] = {}
    problems: list[Finding] = []
    # The folders walked, as discover finds them: the record roots there are (a root that is a link to a
    # folder is walked through it), else the whole tree. (virtual folder, folder read, links on the way)
    walks: list[tuple[str, str, tuple[str, ...]]] = []
    for root in RECORD_ROOTS:
        entry = by_path.get(root)
        if entry is not None and entry.mode == _SYMLINK_MODE:
            resolved = resolve_link(root, lookup)
            if resolved.problem and resolved.problem != NOWHERE:
                problems.append(_link_finding(root, resolved.problem))
            elif resolved.kind == "dir":
                walks.append((root, resolved.path, resolved.through[:-1]))
        elif root in lookup.folders:
            walks.append((root, root, ()))
    if not walks:
        walks = [("", "", ())]
    areas = tuple(real for _, real, _ in walks)
    shown: list[TreeEntry] = []
    pending: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = [(v, r, links, ()) for v, r, links in walks]
    while pending:
        virtual, real, links, chain = pending.pop(0)
        inside = real + "/" if real else ""
        for blob in blobs:
            if not blob.path.startswith(inside):
                continue
            rest = blob.path[len(inside) :]
            if any(part.startswith(".") for part in rest.split("/")[:-1]):
                continue  # hidden folders are never walked
            path = f"{virtual}/{rest}" if virtual else rest
            if blob.mode == _SYMLINK_MODE and resolve_link(path, lookup).kind == "dir":
                # A linked folder: read through the link when its folder is not walked anyway.
                followed = folder_link(path, lookup, areas, chain)
                if followed is not None and followed.problem:
                    problems.append(_link_finding(path, followed.problem))
                elif followed is not None:
                    pending.append((path, followed.path, (*links, *followed.through[:-1]), (*chain, followed.path)))
                continue
            shown.append(TreeEntry(blob.mode, blob.sha, blob.size, path))
            if path != blob.path:
                via[path] = (*links, blob.path)
    return _RecordTree(by_path, record_entries(shown), via, problems)


def _load(repo: git.Repo, tree: _RecordTree, entries: list[TreeEntry], max_bytes: int) -> LoadResult:
    problems = list(tree.problems)
    links: dict[str, tuple[str, ...]] = {}
    result = load_sources(_sources(repo, entries, tree.by_path, max_bytes, problems, links), max_bytes)
    result.findings.extend(problems)
    # A file in a linked folder depends on the links on the way and on the file it is (and on any link that is).
    for path, through in tree.via.items():
        if path in result.files or path in links:
            links[path] = (*through[:-1], *links.get(path, through[-1:]))
    result.links = links
    return result


def load_revision(repo: git.Repo, rev: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> LoadResult:
    """Load every record of a revision from git objects."""
    tree = _record_tree(repo, resolve_commit(repo, rev))
    return _load(repo, tree, tree.entries, max_bytes)


def load_paths(repo: git.Repo, rev: str, paths: set[str], max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> LoadResult:
    """Load only the record files among ``paths`` that exist in a revision."""
    if not paths:
        return load_sources([], max_bytes)
    tree = _record_tree(repo, resolve_commit(repo, rev))
    return _load(repo, tree, [entry for entry in tree.entries if entry.path in paths], max_bytes)


def read_paths(
    repo: git.Repo, rev: str, paths: set[str], max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> tuple[list[tuple[str, bytes]], list[Finding]]:
    """The bytes of the record files among ``paths`` in a revision (links followed, as ``load_paths`` reads
    them), and the problems that kept any of them from being read (a link to nowhere, too large)."""
    tree = _record_tree(repo, resolve_commit(repo, rev))
    wanted = [entry for entry in tree.entries if entry.path in paths]
    problems = [problem for problem in tree.problems if problem.location.path in paths]
    sources = list(_sources(repo, wanted, tree.by_path, max_bytes, problems, {}))
    return sources, problems


def path_history(repo: git.Repo, rev: str, path: str, limit: int) -> list[str]:
    """The commits that changed ``path`` up to ``rev``, newest first, at most ``limit`` of them."""
    output = repo.git.log(f"--max-count={limit}", "--format=%H", rev, "--", path)
    return output.split()


def merge_base(repo: git.Repo, base: git.Commit, head: git.Commit) -> git.Commit:
    bases = repo.merge_base(base, head)
    if not bases:
        raise ItsmError(f"{base.hexsha[:12]} and {head.hexsha[:12]} have no common history")
    return bases[0]  # type: ignore[return-value]

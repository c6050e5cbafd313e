"""Find the YAML files of an ITSM repository without ever leaving it, or opening anything but a file.

A FIFO, socket or device named like a record (or a link to one) is never opened:
reading a FIFO blocks for ever, and reading a device can have effects. It is
reported instead, as a symlink out of the repository is.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from itsmctl.errors import ItsmError
from itsmctl.load.links import NOWHERE, Lookup, Node, folder_link, resolve_link

# Folders that hold records; when none exists, the whole tree is scanned.
RECORD_ROOTS = ("catalog", "changes", "policies")
YAML_SUFFIXES = (".yaml", ".yml")
# Knowledge articles are Markdown with YAML front matter, in this folder.
KNOWLEDGE_ROOT = "catalog/knowledge/"


def is_record_file(relative_path: str) -> bool:
    """Whether a repo-relative POSIX path holds records: YAML anywhere, or Markdown articles."""
    name = relative_path.rsplit("/", 1)[-1]
    if name.startswith(".") or any(part.startswith(".") for part in relative_path.split("/")[:-1]):
        return False
    return name.endswith(YAML_SUFFIXES) or (name.endswith(".md") and relative_path.startswith(KNOWLEDGE_ROOT))


@dataclass(frozen=True)
class Discovered:
    files: list[Path]
    # Symlinks that point outside the repository (or to nothing, or loop): reported, never read.
    escaping_links: list[Path]
    # FIFOs, sockets and devices (or links to them) with a record's name: reported, never opened.
    not_regular: list[Path] = field(default_factory=list)
    # Why a link of ``escaping_links`` was not followed (see load.links), where known.
    link_problems: dict[Path, str] = field(default_factory=dict)


def _lstat_lookup(root: Path) -> Lookup:
    """``load.links`` lookups in a working tree (never following a link itself)."""

    def lookup(relative_path: str) -> Node:
        path = root / relative_path
        try:
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                return Node("link", os.readlink(path))
        except OSError:
            return Node("missing")
        if stat.S_ISREG(mode):
            return Node("file")
        return Node("dir") if stat.S_ISDIR(mode) else Node("other")

    return lookup


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words, for messages."""
    for test, name in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a directory"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _walk_error(error: OSError) -> None:
    # os.walk skips a folder it cannot list without a word: its records would silently be missing.
    raise ItsmError(f"{error.filename}: cannot read the folder: {error.strerror}")


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def discover(root: Path) -> Discovered:
    # An absolute link into the checkout may name it as given or as resolved.
    aliases = tuple(dict.fromkeys([str(root.resolve()), os.path.abspath(root)]))
    root = root.resolve()
    lookup = _lstat_lookup(root)
    link_problems: dict[Path, str] = {}
    tops = [root / name for name in RECORD_ROOTS if (root / name).is_dir()]
    if not tops:
        tops = [root]
    files: list[Path] = []
    escaping: list[Path] = []
    not_regular: list[Path] = []
    prefix = str(root) + os.sep
    areas = tuple(relative(top.resolve(), root) if top != root else "" for top in tops if _inside(top.resolve(), root))
    # Folders to walk, and the folders followed through links on the way to each (load.links.folder_link).
    pending: list[tuple[Path, tuple[str, ...]]] = [(top, ()) for top in tops]
    while pending:
        top, chain = pending.pop(0)
        if top.is_symlink() and not _inside(top.resolve(), root):
            escaping.append(top)
            continue
        for directory, dirnames, filenames in os.walk(top, followlinks=False, onerror=_walk_error):
            # Hidden folders (.git, .github, .venv) never hold records.
            dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
            folder = (directory + os.sep)[len(prefix) :].replace(os.sep, "/")
            for name in dirnames:
                # os.walk does not descend into linked folders: one whose folder is walked anyway is read
                # there; one to a folder that is not is walked through the link, as plan reads git objects.
                link = Path(directory, name)
                if not os.path.islink(link):
                    continue
                if not _inside(link.resolve(), root):
                    escaping.append(link)
                    continue
                followed = folder_link(folder + name, lookup, areas, chain, aliases)
                if followed is not None and followed.problem:
                    escaping.append(link)
                    link_problems[link] = followed.problem
                elif followed is not None:
                    pending.append((link, (*chain, followed.path)))
            for name in filenames:
                if not is_record_file(folder + name):
                    continue
                path = Path(directory, name)
                try:
                    mode = os.lstat(path).st_mode
                except OSError:
                    escaping.append(path)  # vanished: nothing to read
                    continue
                if stat.S_ISLNK(mode):
                    # Hop by hop, as plan follows links in git objects (load.links): the same records.
                    resolved = resolve_link(folder + name, lookup, aliases)
                    if resolved.problem or resolved.kind == "missing":
                        escaping.append(path)
                        link_problems[path] = resolved.problem or NOWHERE
                        continue
                    if resolved.kind != "file":
                        not_regular.append(path)
                        continue
                elif not stat.S_ISREG(mode):
                    not_regular.append(path)
                    continue
                files.append(path)
    files.sort()
    return Discovered(files, sorted(escaping), sorted(not_regular), link_problems)


def relative(path: Path, root: Path) -> str:
    """Repo-relative POSIX path, as findings show it (``root`` as given to ``discover``, resolved)."""
    text, base = str(path), str(root)
    if not text.startswith(base + os.sep):
        base = str(root.resolve())
    if text.startswith(base + os.sep):
        return text[len(base) + 1 :].replace(os.sep, "/")
    return path.as_posix()


def hook_files_pattern() -> str:
    """The pre-commit hook's ``files:`` regex: the paths ``is_record_file`` accepts under the record roots.

    Written from the same names as ``is_record_file`` (``.pre-commit-hooks.yaml`` holds a copy; a test
    keeps the two equal), so a commit that touches anything ``validate`` reads runs the hook. A
    repository without any record root (records anywhere) sets ``files: \\.ya?ml$`` itself.
    """
    import re  # only the hook's test and tooling call this

    visible = r"[^/.][^/]*"  # a file or folder name that does not start with "."
    folders = f"(?:{visible}/)*"
    roots = "|".join(re.escape(root) for root in RECORD_ROOTS)
    yaml_suffix = "|".join(re.escape(suffix) for suffix in YAML_SUFFIXES)
    knowledge = re.escape(KNOWLEDGE_ROOT)
    return rf"^(?:(?:{roots})/{folders}{visible}(?:{yaml_suffix})|{knowledge}{folders}{visible}\.md)$"

"""Following a symbolic link inside the repository: one walk for the working tree and for git objects.

``validate`` reads the working tree, ``plan`` and ``review`` read git objects;
they must read the same records. A link is followed component by component, as
the kernel does (a link to a link, a link through a linked folder), but only
inside the repository: a ``..`` above its root, or (in git objects, where a
link is only its text) an absolute path, leaves it and is refused. So is a
chain of more than ``MAX_LINKS`` links (Linux's own limit), which is how a loop
ends, and a link to nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

# As Linux (MAXSYMLINKS): a path resolution follows at most 40 links.
MAX_LINKS = 40
# As PATH_MAX: no link text is longer.
MAX_LINK_TEXT = 4096

NodeKind = Literal["file", "dir", "link", "other", "missing"]


@dataclass(frozen=True)
class Node:
    """What a repository-relative path is: a regular file, a folder, a link (with its text), anything else."""

    kind: NodeKind
    link: str = ""


Lookup = Callable[[str], Node]


@dataclass(frozen=True)
class Resolved:
    """Where a link leads: ``path`` (repo-relative) and what is there, or why it was not followed.
    ``through``: every link the chain followed, then ``path``: what the record read through it depends on."""

    path: str = ""
    kind: NodeKind = "missing"
    problem: str = ""
    through: tuple[str, ...] = ()


OUTSIDE = "points outside the repository"
NOWHERE = "points to no file"
LOOP = f"loops (or is a chain of more than {MAX_LINKS} links)"


def resolve_link(path: str, lookup: Lookup, root_aliases: tuple[str, ...] = ()) -> Resolved:
    """Follow ``path`` (repo-relative, '/'-separated) through every link on the way.

    ``root_aliases``: absolute paths that are the repository's root (a working tree); an absolute
    link text under one of them continues from the root. Without them (git objects) an absolute
    link leaves the repository.
    """
    pending = [part for part in path.split("/") if part not in ("", ".")]
    done: list[str] = []
    followed: list[str] = []
    while pending:
        part = pending.pop(0)
        if part == "..":
            if not done:
                return Resolved(problem=OUTSIDE)
            done.pop()
            continue
        here = "/".join([*done, part])
        node = lookup(here)
        if node.kind == "link":
            followed.append(here)
            if len(followed) > MAX_LINKS or len(node.link) > MAX_LINK_TEXT:
                return Resolved(problem=LOOP)
            text = node.link
            if text.startswith("/"):
                inside = next((text[len(a) :] for a in root_aliases if text == a or text.startswith(a + "/")), None)
                if inside is None:
                    return Resolved(problem=f"{OUTSIDE} (an absolute path)")
                done, text = [], inside
            pending[:0] = [p for p in text.split("/") if p not in ("", ".")]
            continue
        if node.kind == "missing" or (pending and node.kind != "dir"):
            return Resolved(problem=NOWHERE)
        done.append(part)
    final = "/".join(done)
    return Resolved(final, lookup(final).kind if done else "dir", through=(*followed, final))


def _under(path: str, folder: str) -> bool:
    return not folder or path == folder or path.startswith(folder + "/")


def _hidden(path: str) -> bool:
    return any(part.startswith(".") for part in path.split("/"))


def folder_link(
    path: str, lookup: Lookup, areas: tuple[str, ...], chain: tuple[str, ...], root_aliases: tuple[str, ...] = ()
) -> Resolved | None:
    """A link to a folder met while walking the record folders: whether its files are read through it.

    ``areas`` are the folders walked (repository-relative, as resolved; ``""`` for all of it) and
    ``chain`` the folders followed through links on the way to this one. The link is followed when it
    leads to a folder that is not walked anyway (outside ``areas``, or hidden), so its records are read,
    under the link's name, instead of silently missing (a freeze kept in a linked folder stopped
    nothing). It is not followed (None) when its folder is walked anyway (its records are read where they
    are, once) or it is no folder. It is refused (a ``Resolved`` with its problem) when it leaves the
    repository or leads back into a folder on its own way (a loop).
    """
    resolved = resolve_link(path, lookup, root_aliases)
    if resolved.problem:
        return resolved if resolved.problem != NOWHERE else None
    if resolved.kind != "dir":
        return None
    target = resolved.path
    if any(_under(target, area) for area in areas) and not _hidden(target):
        return None
    # A folder holding a walked folder, or one followed on the way here, holds this link too: a loop.
    if any(_under(walked, target) for walked in (*areas, *chain)):
        return Resolved(problem=LOOP)
    return resolved

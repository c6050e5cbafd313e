"""Load the repository in a working tree."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from itsmctl.errors import ItsmError
from itsmctl.findings import Finding, Location, Severity
from itsmctl.load.discover import discover, file_kind, relative
from itsmctl.load.links import OUTSIDE
from itsmctl.load.records import DEFAULT_MAX_FILE_BYTES, LoadResult, load_sources, too_large

# Not blocking on open: if a FIFO took a record file's place since discovery, open
# returns at once and fstat shows what it is. No terminal becomes ours either.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


def not_regular_finding(path: str, mode: int) -> Finding:
    return Finding(
        "not-a-regular-file",  # see itsmctl/rules/not_a_regular_file.py (the loader does not import rules)
        Severity.ERROR,
        f"{file_kind(mode)} has a record file's name; it was not opened",
        Location(path),
        "replace it with a regular file, or rename it so it does not end in .yaml, .yml or .md",
    )


def _read_files(paths: list[Path], root: Path, max_bytes: int, unread: list[Finding]) -> Iterator[tuple[str, bytes]]:
    root = root.resolve()
    for path in paths:
        shown = relative(path, root)
        try:
            descriptor = os.open(path, _OPEN_FLAGS)
            with open(descriptor, "rb") as handle:
                status = os.fstat(handle.fileno())
                if not stat.S_ISREG(status.st_mode):
                    unread.append(not_regular_finding(shown, status.st_mode))
                    continue
                if status.st_size > max_bytes:
                    # Never read: a 50 MB file must not cost 50 MB.
                    unread.append(too_large(shown, status.st_size, max_bytes))
                    continue
                data = handle.read(max_bytes + 1)
        except OSError as error:
            raise ItsmError(f"{shown}: cannot read: {error.strerror}") from None
        yield shown, data


def load_tree(
    root: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES, use_cache: bool = True, keep_bodies: bool = False
) -> LoadResult:
    """Load every record file under ``root`` (catalog/, changes/, policies/).

    ``keep_bodies`` is for callers that read every record's document (the
    catalog site): parallel workers send the documents back with the records.
    """
    if not root.exists():
        raise ItsmError(f"{root}: no such directory")
    if not root.is_dir():
        raise ItsmError(f"{root}: not a directory; give the repository root")
    found = discover(root)
    if not found.files and not found.escaping_links and not found.not_regular:
        raise ItsmError(
            f"{root}: no record files found (YAML under catalog/, changes/ and policies/, or anywhere below when "
            "none of those exists); is this the repository root?"
        )
    unread: list[Finding] = []
    result = load_sources(
        _read_files(found.files, root, max_bytes, unread), max_bytes, use_cache=use_cache, keep_bodies=keep_bodies
    )
    for path in found.not_regular:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            mode = 0
        unread.append(not_regular_finding(relative(path, root), mode))
    result.findings.extend(unread)
    result.files.extend(f.location.path for f in unread)
    for link in found.escaping_links:
        problem = found.link_problems.get(link, f"{OUTSIDE} (or to no file)")
        result.findings.append(
            Finding(
                "unsafe-path",
                Severity.ERROR,
                f"symlink {problem}; it was not followed",
                Location(relative(link, root)),
                "replace the link with the file itself, or point it at a file inside the repository",
            )
        )
    return result

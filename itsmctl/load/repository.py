"""Load the repository in a working tree."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from itsmctl.errors import ItsmError
from itsmctl.findings import Finding, Location, Severity
from itsmctl.load.discover import discover, relative
from itsmctl.load.records import DEFAULT_MAX_FILE_BYTES, LoadResult, load_sources, too_large


def _read_files(paths: list[Path], root: Path, max_bytes: int, oversize: list[Finding]) -> Iterator[tuple[str, bytes]]:
    root = root.resolve()
    for path in paths:
        shown = relative(path, root)
        try:
            with open(path, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if size > max_bytes:
                    # Never read: a 50 MB file must not cost 50 MB.
                    oversize.append(too_large(shown, size, max_bytes))
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
    if not found.files and not found.escaping_links:
        raise ItsmError(
            f"{root}: no record files found (YAML under catalog/, changes/ and policies/, or anywhere below when "
            "none of those exists); is this the repository root?"
        )
    oversize: list[Finding] = []
    result = load_sources(
        _read_files(found.files, root, max_bytes, oversize), max_bytes, use_cache=use_cache, keep_bodies=keep_bodies
    )
    result.findings.extend(oversize)
    result.files.extend(f.location.path for f in oversize)
    for link in found.escaping_links:
        result.findings.append(
            Finding(
                "unsafe-path",
                Severity.ERROR,
                "symlink points outside the repository (or to no file); it was not followed",
                Location(relative(link, root)),
                "replace the link with the file itself",
            )
        )
    return result

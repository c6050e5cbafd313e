"""What a report left out, written into the report itself, for each output format.

Every report built from the repository carries the records it could not read
(see ``load.omitted``): JSON as a top-level ``omitted`` list, text as a note at
the top, CSV as a second table, comment-capable formats (DOT, Mermaid, YAML)
as comments. File names and messages come from the repository: each format
escapes them (a name must not end a comment and forge output).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from itsmctl.load.omitted import Omission
from itsmctl.report.escape import csv_cell, terminal

CSV_HEADER = ["omitted_path", "line", "kind", "name", "rule", "reason"]


def headline(omitted: Sequence[Omission]) -> str:
    count = len(omitted)
    return f"left out {count} invalid record{'s' if count != 1 else ''} that this report does not count:"


def to_json(omitted: Sequence[Omission]) -> list[dict[str, object]]:
    """The documented ``omitted`` list: ``[{"path", "line", "kind", "name", "rule", "reason"}]``."""
    return [entry.to_dict() for entry in omitted]


def text_lines(omitted: Sequence[Omission], indent: str = "  ") -> list[str]:
    """A headline and one escaped line per omission; nothing when nothing was left out."""
    if not omitted:
        return []
    return [headline(omitted), *(indent + terminal(entry.describe()) for entry in omitted)]


def comment_lines(omitted: Sequence[Omission], prefix: str) -> list[str]:
    """The same note as comments (``#``, ``//``, ``%%``): escaped to one line each, so nothing ends a comment."""
    return [f"{prefix} {line}" for line in text_lines(omitted)]


class RowWriter(Protocol):
    """What ``csv.writer`` returns."""

    def writerow(self, row: Iterable[object], /) -> object: ...


def write_csv(writer: RowWriter, omitted: Sequence[Omission]) -> None:
    """After a blank row, a second table: one row per omission under ``CSV_HEADER``."""
    if not omitted:
        return
    writer.writerow([])
    writer.writerow(CSV_HEADER)
    for entry in omitted:
        writer.writerow([csv_cell(value) for value in entry.to_dict().values()])

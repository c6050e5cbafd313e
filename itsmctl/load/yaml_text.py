"""Where things are in YAML text: lines as editors count them, and where documents begin.

libyaml's marks count U+0085, U+2028 and U+2029 as line breaks (YAML 1.1); git, GitHub
annotations and editors do not, so a finding after such a character would name the wrong
line. Only a text that contains one of them (or that is loaded in parts) pays for a table
of line starts; every other text keeps libyaml's own line and column.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Protocol

# Line breaks for libyaml but not for git and editors.
_YAML_ONLY_BREAK = re.compile("[\x85\u2028\u2029]")
# Line breaks for both (libyaml, like editors, also breaks at a lone '\r').
_LINE_BREAK = re.compile(r"\r\n?|\n")
_BOM = "\ufeff"

# A line that starts or ends a document, as libyaml sees lines: '---' or '...' in column 0,
# followed by a blank, a line break or the end of the text.
_MARKER = re.compile(r"(?:\A|(?<=[\n\r\x85\u2028\u2029]))(---|\.\.\.)(?=[ \t\n\r\x85\u2028\u2029]|\Z)")
# A directive ('%YAML 1.1', '%TAG ! tag:x:') belongs to the document after the next '---'.
_DIRECTIVE = re.compile(r"(?:\A|(?<=[\n\r\x85\u2028\u2029]))%")


class Mark(Protocol):
    line: int
    column: int
    index: int  # characters (code points) from where libyaml started reading


def _line_starts(text: str) -> list[int]:
    first = 1 if text.startswith(_BOM) else 0  # libyaml does not count the BOM in columns
    return [first, *(match.end() for match in _LINE_BREAK.finditer(text))]


class Positions:
    """Turns libyaml marks of ``text``, or of the part of it starting at ``start``, into 1-based lines and columns."""

    __slots__ = ("_text", "_starts", "_start", "_mark_start")

    def __init__(self, text: str, starts: list[int] | None = None, start: int = 0) -> None:
        self._text = text
        self._starts = starts  # None: libyaml's own lines are right
        self._start = start
        # libyaml skips a BOM at the start of what it reads without counting it in mark.index.
        self._mark_start = start + (1 if text.startswith(_BOM, start) else 0)

    @classmethod
    def of(cls, text: str) -> Positions:
        if text.isascii() or _YAML_ONLY_BREAK.search(text) is None:
            return cls(text)
        return cls(text, _line_starts(text))

    def part(self, start: int) -> Positions:
        """Positions for libyaml reading ``text[start:]``."""
        return Positions(self._text, self._table(), start)

    def _table(self) -> list[int]:
        if self._starts is None:
            self._starts = _line_starts(self._text)
        return self._starts

    def mark(self, mark: Mark) -> tuple[int, int]:
        if self._starts is None:
            return mark.line + 1, mark.column + 1
        return self.index(self._mark_start + mark.index)

    def line(self, mark: Mark) -> int:
        return self.mark(mark)[0]

    def index(self, index: int) -> tuple[int, int]:
        """Line and column of the character at ``index`` in the whole text."""
        starts = self._table()
        row = max(bisect_right(starts, index) - 1, 0)
        return row + 1, max(index - starts[row], 0) + 1

    def offset(self, offset: int) -> tuple[int, int]:
        """Line and column of the character at ``offset`` in the part libyaml read."""
        return self.index(self._start + offset)

    def at_end(self, mark: Mark) -> bool:
        """Whether ``mark`` is at the end of the whole text (libyaml's end of stream)."""
        return self._mark_start + mark.index >= len(self._text)

    def last_document_start(self) -> int:
        """Index of the last '---' line in the text (0 if there is none)."""
        found = 0
        for match in _MARKER.finditer(self._text):
            if match.group(1) == "---":
                found = match.start()
        return found


def document_parts(text: str) -> list[int]:
    """Where the parts of ``text`` that hold one document each (at most) begin.

    A part begins at a '---' line, where libyaml starts a new document whatever came
    before, or at the directives ('%YAML', '%TAG') that belong to that document; so each
    part reads on its own as it does in the whole stream.
    """
    starts = [0]
    directives_from: int | None = 0  # directives follow the start of the stream or a '...' line
    for match in _MARKER.finditer(text):
        if match.group(1) == "...":
            directives_from = match.end()
            continue
        begin = match.start()
        if directives_from is not None:
            directive = _DIRECTIVE.search(text, directives_from, begin)
            if directive is not None:
                begin = directive.start()
            directives_from = None
        if begin > starts[-1]:
            starts.append(begin)
    return starts

"""A file or record name holds a bidirectional control, a control character or an invisible character.

Names are what reviewers read: in GitHub's list of changed files, in ``ls``, in
an editor's tabs. A right-to-left override (U+202E) makes ``shop<U+202E>lmay.yaml``
show as ``shopyaml.yaml``; an isolate or a mark reorders what follows; a control
character (ESC, a newline) repaints a terminal or forges a line; a zero-width
space makes two names that look the same. itsmctl's own output shows each of
them as an escape (``shop\\u202elmay.yaml``), but other tools do not.

Bidirectional controls, C0/C1 control characters, line and paragraph separators
and bytes that are not UTF-8 are errors; other invisible characters (zero-width
space, soft hyphen, tags) are warnings. A zero-width joiner or non-joiner
between letters is part of the writing (Persian, Indic scripts) and is fine.
Rename the file (or the record) with visible characters only.

Examples: a file ``catalog/services/shop<U+202E>lmay.yaml``, a folder
``changes/2026<U+200B>/``, a record ``metadata: {name: "ops\\u202e"}`` (which
also fails its schema's name pattern; this finding says why).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from itsmctl.findings import Finding, Location, Severity
from itsmctl.report.escape import hidden_characters
from itsmctl.rules.base import CheckContext

ID = "deceptive-name"
SEVERITY = Severity.ERROR

# Unicode's bidirectional formatting characters (UAX #9): marks, embeddings, overrides, isolates.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Controls, line and paragraph separators, and lone surrogates (bytes of a name that are not UTF-8).
_ERROR_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Cs"})


def severity_of(char: str) -> Severity:
    if char in BIDI_CONTROLS or unicodedata.category(char) in _ERROR_CATEGORIES:
        return Severity.ERROR
    return Severity.WARNING


def describe(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode and git paths keep an undecodable byte as a lone surrogate
        return f"the byte 0x{code - 0xDC00:02X}, which is not UTF-8"
    name = unicodedata.name(char, "")
    return f"U+{code:04X} {name}".rstrip() if name else f"U+{code:04X} (a control character)"


def _finding(what: str, chars: list[str], location: Location) -> Finding:
    severity = max(severity_of(char) for char in chars)
    shown = ", ".join(describe(char) for char in chars)
    return Finding(
        ID,
        severity,
        f"the {what} contains {shown}: where it is shown without escapes (a file list, a terminal, a review) "
        "it hides or reorders characters and can pass for another name",
        location,
        "rename it with visible characters only",
    )


def check(ctx: CheckContext) -> Iterator[Finding]:
    paths = dict.fromkeys([*ctx.files, *(record.path for record in ctx.catalog.records)])
    for path in paths:
        chars = hidden_characters(path)
        if chars:
            yield _finding("file name", chars, Location(path))
    for record in ctx.catalog.records:
        chars = hidden_characters(record.name) if isinstance(record.name, str) else []
        if chars:
            yield _finding("record name", chars, ctx.locate(record, "metadata", "name"))

"""The size of a ``matches()`` pattern, for bounding its cost.

The CEL library compiles the pattern (Rust's ``regex`` crate) at every call, and
in the worst case matching visits every state of the compiled program for every
character of the text: ``(a|b)*a(a|b){10000}c`` takes twelve seconds on 100 KB.
The number of states grows with the pattern's length, its classes (a Unicode class
such as ``\\w`` or ``.`` compiles to many states) and, above all, its counted
repetitions (``x{1000}`` is a thousand copies of ``x``). ``regex_weight`` estimates
that number from the pattern's text; it errs on the large side.
"""

from __future__ import annotations

import re

MAX_REGEX_WEIGHT = 5_000
CLASS_WEIGHT = 4  # a class, `.` or an escape such as \w, \d, \p{Greek}
_CASE_INSENSITIVE = 2  # (?i) widens every literal into a class

_COUNTED = re.compile(r"\{(\d{1,9})(,(\d{0,9}))?\}")  # longer counts: the library refuses the pattern
_GROUP_START = re.compile(r"\?(?:P?<[A-Za-z_][A-Za-z0-9_]*>|[a-zA-Z-]*:|[a-zA-Z-]*\))")
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_ESCAPE = re.compile(
    r"\\(?:([abfnrtv\"'\\?`])|[xX]([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-3][0-7]{2}))"
)


def string_value(literal: str) -> str:
    """The text of a CEL string literal (as the tokenizer gives it: prefix and quotes included)."""
    raw = literal[0] in "rR"
    body = literal[1:] if raw else literal
    quote = 3 if body[:3] in ("'''", '"""') else 1
    body = body[quote:-quote]
    if raw:
        return body

    def unescape(match: re.Match[str]) -> str:
        simple, hex2, hex4, hex8, octal = match.groups()
        if simple is not None:
            return _ESCAPES.get(simple, simple)
        code = int(hex2 or hex4 or hex8, 16) if (hex2 or hex4 or hex8) else int(octal, 8)
        return chr(code) if code < 0x110000 else ""

    return _ESCAPE.sub(unescape, body)


def regex_weight(pattern: str) -> int:
    """An estimate, on the large side, of the states the pattern compiles to."""
    weight, at = _alternation(pattern, 0)
    while at < len(pattern):  # a `)` that closes nothing: count what follows it too
        more, at = _alternation(pattern, at + 1)
        weight += more
    if "(?" in pattern and re.search(r"\(\?[a-zA-Z]*i", pattern):
        weight *= _CASE_INSENSITIVE
    return weight


def _alternation(pattern: str, at: int) -> tuple[int, int]:
    """Weight of ``a|b|...`` from ``at`` up to a closing parenthesis (or the end), and where it stopped."""
    total = 0
    branch = 0
    while at < len(pattern):
        char = pattern[at]
        if char == ")":
            break
        if char == "|":
            total += branch + 1
            branch = 0
            at += 1
            continue
        atom, at = _atom(pattern, at)
        atom, at = _repeat(pattern, at, atom)
        branch += atom
    return total + branch, at


def _atom(pattern: str, at: int) -> tuple[int, int]:
    char = pattern[at]
    if char == "(":
        at += 1
        flags = _GROUP_START.match(pattern, at)
        if flags:
            at = flags.end()
            if flags.group().endswith(")"):
                return 0, at  # (?i) alone: a flag, no group
        inner, at = _alternation(pattern, at)
        return inner + 1, min(at + 1, len(pattern))
    if char == "[":
        return CLASS_WEIGHT, _class_end(pattern, at)
    if char == "\\":
        following = pattern[at + 1 : at + 2]
        if following in ("p", "P"):
            brace = pattern[at + 2 : at + 3] == "{"
            end = pattern.find("}", at) + 1 if brace else at + 3
            return CLASS_WEIGHT, max(end, at + 3)
        if following in ("x",) and pattern[at + 2 : at + 3] == "{":
            return 1, max(pattern.find("}", at) + 1, at + 3)
        weight = CLASS_WEIGHT if following in ("d", "D", "w", "W", "s", "S") else 1
        return weight, at + 2
    if char == ".":
        return CLASS_WEIGHT, at + 1
    return 1, at + 1


def _class_end(pattern: str, at: int) -> int:
    """Index after the class opening at ``at`` (nested classes and escapes included)."""
    depth = 0
    index = at
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            depth += 1
            index += 1
            # A `]` right after `[` or `[^` is a literal.
            if pattern[index : index + 1] == "^":
                index += 1
            if pattern[index : index + 1] == "]":
                index += 1
            continue
        if char == "]":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return len(pattern)


def _repeat(pattern: str, at: int, atom: int) -> tuple[int, int]:
    """Apply the quantifiers after an atom (``*``, ``+``, ``?``, ``{n}``, ``{n,}``, ``{n,m}``, lazy or not)."""
    while at < len(pattern):
        char = pattern[at]
        if char in "*+?":
            atom += 1
            at += 1
        elif char == "{" and (counted := _COUNTED.match(pattern, at)):
            low, comma, high = counted.groups()
            most = int(high) if high else int(low) + (1 if comma is not None else 0)
            atom = atom * max(most, 1) + 1
            at = counted.end()
        else:
            break
        if pattern[at : at + 1] == "?":  # lazy
            at += 1
    return atom, at

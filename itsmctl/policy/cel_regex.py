"""What a ``matches()`` pattern costs, estimated from its text, for bounding an expression's cost.

The CEL library compiles the pattern (Rust's ``regex`` crate) at every call, and in
the worst case matching visits every state of the compiled program for every
character of the text: ``(a|b)*a(a|b){10000}c`` takes twelve seconds on 100 KB.
Both grow with counted repetitions (``x{1000}`` is a thousand copies of ``x``).
Compiling grows above all with Unicode classes, each copy of which becomes a large
UTF-8 automaton (measured per copy: ``\\w`` 230-330 µs, ``\\p{L}`` 200 µs, ``\\d``
17-34 µs, ``.`` or ``\\s`` 2-3 µs, an ASCII class 0.15 µs, a letter 0.1 µs).
``pattern_cost`` estimates both numbers on the large side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_STATES = 5_000
STATES_PER_CLASS = 4  # matching: a class is a few states whatever its size (measured)
COMPILE_BASE = 500  # steps (about 20 ns each) to compile any pattern: about 7 µs
# Compile steps per copy of an atom, by what it holds (the costliest member of a class counts).
COMPILE_WORD = 16_000  # \w, \W, \p{..}, \P{..}: Unicode categories
COMPILE_DIGIT = 1_800  # \d, \D
COMPILE_WIDE = 400  # ., \s, \S, a negated class [^..]
COMPILE_NARROW = 16  # an ASCII class
COMPILE_LITERAL = 8
CASE_INSENSITIVE = 5  # (?i) folds every literal (k also matches the Kelvin sign) and every class

_COUNTED = re.compile(r"\{(\d{1,9})(,(\d{0,9}))?\}")  # longer counts: the library refuses the pattern
_GROUP_START = re.compile(r"\?(?:P?<[A-Za-z_][A-Za-z0-9_]*>|[a-zA-Z-]*:|[a-zA-Z-]*\))")
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_ESCAPE = re.compile(
    r"\\(?:([abfnrtv\"'\\?`])|[xX]([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-3][0-7]{2}))"
)


@dataclass(frozen=True)
class PatternCost:
    states: int  # visited per character of the text, at worst
    compile_steps: int  # at every call

    def __add__(self, other: PatternCost) -> PatternCost:
        return PatternCost(self.states + other.states, self.compile_steps + other.compile_steps)

    def times(self, count: int) -> PatternCost:
        return PatternCost(self.states * count, self.compile_steps * count)


_NOTHING = PatternCost(0, 0)


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


def pattern_cost(pattern: str) -> PatternCost:
    """An estimate, on the large side, of the states the pattern compiles to and the steps compiling takes."""
    reader = _Reader(pattern)
    cost = reader.alternation()
    while reader.at < len(pattern):  # a `)` that closes nothing: count what follows it too
        reader.at += 1
        cost = cost + reader.alternation()
    return PatternCost(cost.states, COMPILE_BASE + cost.compile_steps)


class _Reader:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.at = 0
        folded = re.search(r"\(\?[a-zA-Z]*i", pattern) is not None
        self.literal = COMPILE_LITERAL * (CASE_INSENSITIVE if folded else 1)
        self.narrow_class = COMPILE_WIDE if folded else COMPILE_NARROW  # [a-z] folds to Unicode letters too

    def alternation(self) -> PatternCost:
        """``a|b|...`` from here up to a closing parenthesis (or the end)."""
        total = _NOTHING
        pattern = self.pattern
        while self.at < len(pattern) and pattern[self.at] != ")":
            if pattern[self.at] == "|":
                total = total + PatternCost(1, COMPILE_LITERAL)
                self.at += 1
                continue
            total = total + self.repeat(self.atom())
        return total

    def atom(self) -> PatternCost:
        pattern, at = self.pattern, self.at
        char = pattern[at]
        if char == "(":
            self.at += 1
            flags = _GROUP_START.match(pattern, self.at)
            if flags:
                self.at = flags.end()
                if flags.group().endswith(")"):
                    return _NOTHING  # (?i) alone: flags, no group
            inner = self.alternation()
            self.at = min(self.at + 1, len(pattern))
            return inner + PatternCost(1, COMPILE_LITERAL)
        if char == "[":
            end = _class_end(pattern, at)
            self.at = end
            body = pattern[at:end]
            wide = body.startswith("[^") or "[^" in body[1:]
            floor = COMPILE_WIDE if wide else self.narrow_class
            return PatternCost(STATES_PER_CLASS, max(_class_compile(body), floor))
        if char == "\\":
            following = pattern[at + 1 : at + 2]
            self.at = at + 2
            if following in ("p", "P"):
                brace = pattern[at + 2 : at + 3] == "{"
                self.at = max(pattern.find("}", at) + 1 if brace else at + 3, at + 3)
            elif following == "x" and pattern[at + 2 : at + 3] == "{":
                self.at = max(pattern.find("}", at) + 1, at + 3)
            compile_steps = _class_compile("\\" + following)
            if compile_steps:
                return PatternCost(STATES_PER_CLASS, compile_steps)
            return PatternCost(1, self.literal)
        self.at = at + 1
        if char == ".":
            return PatternCost(STATES_PER_CLASS, COMPILE_WIDE)
        return PatternCost(1, self.literal)

    def repeat(self, atom: PatternCost) -> PatternCost:
        """Apply the quantifiers after an atom (``*``, ``+``, ``?``, ``{n}``, ``{n,}``, ``{n,m}``, lazy or not)."""
        pattern = self.pattern
        while self.at < len(pattern):
            char = pattern[self.at]
            if char in "*+?":
                atom = atom + PatternCost(1, COMPILE_LITERAL)
                self.at += 1
            elif char == "{" and (counted := _COUNTED.match(pattern, self.at)):
                low, comma, high = counted.groups()
                most = int(high) if high else int(low) + (1 if comma is not None else 0)
                atom = atom.times(max(most, 1)) + PatternCost(1, COMPILE_LITERAL)
                self.at = counted.end()
            else:
                break
            if pattern[self.at : self.at + 1] == "?":  # lazy
                self.at += 1
        return atom


def _class_compile(text: str) -> int:
    """Compile steps of a class (``[...]`` or an escape such as ``\\w``), by its costliest member; 0 if none."""
    if re.search(r"\\[wWpP]", text):
        return COMPILE_WORD
    if re.search(r"\\[dD]", text):
        return COMPILE_DIGIT
    if re.search(r"\\[sS]", text):
        return COMPILE_WIDE
    return 0


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

"""CEL's lexis: the tokens of an expression, split as the CEL library's lexer splits them.

Follows the lexer rules of ``CEL.g4`` (cel-go's grammar, which cel-rust's ANTLR
parser is generated from) and the language definition's lexis
(https://github.com/google/cel-spec/blob/master/doc/langdef.md): raw strings
(``r'\\'`` is one backslash and ends there), triple-quoted strings, bytes
literals, escapes, ``//`` comments; the longest match wins, as in ANTLR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class CelSyntaxError(ValueError):
    """Text this parser cannot read as CEL."""


# --- tokens ---------------------------------------------------------------------------------------

_ESCAPE = r"""\\(?:[abfnrtv"'\\?`]|[xX][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-3][0-7]{2})"""
# One regex per alternative of the grammar's STRING rule; the lexer takes the longest match.
_STRING_FORMS = tuple(
    re.compile(form, re.DOTALL)
    for form in (
        rf'"(?:{_ESCAPE}|[^\\"\n\r])*"',
        rf"'(?:{_ESCAPE}|[^\\'\n\r])*'",
        rf'"""(?:{_ESCAPE}|[^\\])*?"""',
        rf"'''(?:{_ESCAPE}|[^\\])*?'''",
        r'[rR]"[^"\n\r]*"',
        r"[rR]'[^'\n\r]*'",
        r'[rR]"""[^\x00]*?"""',  # the grammar's `.`, which the library's lexer never matches with NUL
        r"[rR]'''[^\x00]*?'''",
    )
)
_FLOAT = re.compile(r"\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\.\d+(?:[eE][+-]?\d+)?")
_INT = re.compile(r"0x[0-9a-fA-F]+|\d+")
_UINT = re.compile(r"(?:0x[0-9a-fA-F]+|\d+)[uU]")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESC_IDENT = re.compile(r"`[A-Za-z0-9_./ -]+`")
_SPACE = re.compile(r"(?:[\t\n\f\r ]+|//[^\n]*)+")
_KEYWORDS = {"true": "bool", "false": "bool", "null": "null", "in": "in"}
_OPERATORS = (
    "==",
    "!=",
    "<=",
    ">=",
    "&&",
    "||",
    "<",
    ">",
    "[",
    "]",
    "{",
    "}",
    "(",
    ")",
    ".",
    ",",
    "-",
    "!",
    "?",
    ":",
    "+",
    "*",
    "/",
    "%",
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # an operator's own text, or: ident, int, uint, double, string, bytes, bool, null, in, escident, end
    text: str
    at: int


def _longest(patterns: tuple[re.Pattern[str], ...], source: str, at: int) -> int:
    return max((m.end() for p in patterns if (m := p.match(source, at))), default=at)


def tokenize(source: str) -> list[Token]:
    """The tokens of ``source``, as CEL's lexer splits it (longest match first, as ANTLR does)."""
    tokens: list[Token] = []
    at = 0
    size = len(source)
    while True:
        space = _SPACE.match(source, at)
        if space:
            at = space.end()
        if at >= size:
            tokens.append(Token("end", "", at))
            return tokens
        char = source[at]
        kind, end = "", at
        if char in "'\"" or (char in "rR" and source[at + 1 : at + 2] in ("'", '"')):
            kind, end = "string", _longest(_STRING_FORMS, source, at)
        elif char in "bB" and (
            source[at + 1 : at + 2] in ("'", '"')
            or (source[at + 1 : at + 2] in ("r", "R") and source[at + 2 : at + 3] in ("'", '"'))
        ):
            kind, end = "bytes", _longest(_STRING_FORMS, source, at + 1)
        if kind and end > at + (kind == "bytes"):
            tokens.append(Token(kind, source[at:end], at))
            at = end
            continue
        if char.isdigit() or (char == "." and source[at + 1 : at + 2].isdigit()):
            lengths = [
                (m.end(), k)
                for k, p in (("double", _FLOAT), ("int", _INT), ("uint", _UINT))
                if (m := p.match(source, at))
            ]
            end, kind = max(lengths, key=lambda item: item[0])  # ties cannot happen between these three
            tokens.append(Token(kind, source[at:end], at))
            at = end
            continue
        word = _IDENT.match(source, at)
        if word:
            text = word.group()
            tokens.append(Token(_KEYWORDS.get(text, "ident"), text, at))
            at = word.end()
            continue
        quoted = _ESC_IDENT.match(source, at)
        if quoted:
            tokens.append(Token("escident", quoted.group(), at))
            at = quoted.end()
            continue
        operator = next((op for op in _OPERATORS if source.startswith(op, at)), None)
        if operator is None:
            raise CelSyntaxError(f"unexpected character {char!r} at offset {at}")
        tokens.append(Token(operator, operator, at))
        at += len(operator)


def literal_size(token: Token) -> int:
    """An upper bound on the size of a string or bytes literal's value (escapes only shorten text)."""
    return len(token.text.encode("utf-8", "surrogatepass"))

"""Escaping untrusted text (record values, file names, answers from GitHub) for each output.

Two dangers, for every format:

- Text that does not show what it is. Control characters (ESC sequences
  repaint a terminal), bidirectional overrides and isolates (U+202A-202E,
  U+2066-2069) that reorder what follows, so ``evil‮lmay.yaml`` shows as
  another file's name, zero-width and other invisible format characters, line
  and paragraph separators. ``visible`` shows each as an escape (``\\u202e``).
- Text that a CI runner executes. The GitHub Actions runner reads every line a
  step prints: ``::name ...::`` at the start of a line (after white space) is a
  workflow command, and so is the legacy ``##[name]`` anywhere in a line. Text
  formats show ``##[`` as ``##\\x5b`` and a leading ``::`` as ``\\x3a:``; JSON,
  XML and iCalendar use their own lossless escapes (``ci_safe_json``,
  ``ci_safe_xml``), so the value reads back exactly.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

# Every character of general category Cc, Cf, Zl, Zp or Cs (Unicode 15; a test checks this list
# against unicodedata): controls, format characters (bidi, zero-width, tags), line and paragraph
# separators, and lone surrogates (undecodable bytes of a file name), which cannot even be printed.
_CONTROLS_BUT_NEWLINE = r"\x00-\x09\x0b-\x1f\x7f-\x9f"
_FORMATS_AND_SEPARATORS = (
    r"\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u2028-\u202e"
    r"\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    r"\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
INVISIBLE_CLASS = f"\\n{_CONTROLS_BUT_NEWLINE}{_FORMATS_AND_SEPARATORS}"
_INVISIBLE = re.compile(f"[{INVISIBLE_CLASS}]")
_INVISIBLE_EXCEPT_NEWLINE = re.compile(f"[{_CONTROLS_BUT_NEWLINE}{_FORMATS_AND_SEPARATORS}]")
_JOINERS = {"\u200c", "\u200d"}
# A joiner between two of these belongs to the text (Persian, Indic scripts, emoji sequences).
_JOINABLE_CATEGORIES = ("L", "M", "So", "Sk")
# Characters XML 1.0 cannot carry at all.
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A workflow command: '::' opening a line (the runner trims Unicode white space first), or '##[' anywhere.
_LEGACY_COMMAND = re.compile(r"##\[")
_LINE_START_COMMAND = re.compile(r"^(\s*):(?=:)", re.MULTILINE)


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _joins(text: str, index: int) -> bool:
    """A zero-width (non-)joiner between two non-ASCII letters, marks or symbols: part of the writing."""
    if index == 0 or index + 1 >= len(text):
        return False
    before, after = text[index - 1], text[index + 1]
    return all(ord(c) > 0x7F and unicodedata.category(c).startswith(_JOINABLE_CATEGORIES) for c in (before, after))


def _shown(pattern: re.Pattern[str], text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        char = match.group()
        return char if char in _JOINERS and _joins(text, match.start()) else _escape(char)

    return pattern.sub(replace, text)


def hidden_characters(text: str) -> list[str]:
    """The characters ``visible`` would show as escapes (a newline too), each once, in order of appearance."""
    found: list[str] = []
    for match in _INVISIBLE.finditer(text):
        char = match.group()
        if char not in found and not (char in _JOINERS and _joins(text, match.start())):
            found.append(char)
    return found


def visible(text: str, keep_newlines: bool = False) -> str:
    """Every invisible or reordering character shown as an escape; with ``keep_newlines``, '\\n' stays."""
    return _shown(_INVISIBLE_EXCEPT_NEWLINE if keep_newlines else _INVISIBLE, text)


def visible_value(value: Any) -> Any:
    """A Jinja2 ``finalize``: every string a template shows made visible, Markup staying Markup."""
    if not isinstance(value, str) or _INVISIBLE_EXCEPT_NEWLINE.search(value) is None:
        return value  # the common case, at the speed of one regex search
    shown = visible(value.replace("\t", " "), keep_newlines=True)
    return type(value)(shown) if type(value) is not str else shown


def no_workflow_command(text: str) -> str:
    """Text (one line or several) that the Actions runner cannot read as a command."""
    text = _LEGACY_COMMAND.sub("##\\\\x5b", text)
    return _LINE_START_COMMAND.sub(lambda m: m.group(1) + "\\x3a", text)


def terminal(text: str) -> str:
    """One line, every character visible, no workflow command: a value must not repaint, forge or run anything."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n").replace("\t", " ")
    return no_workflow_command(visible(text))


def log_lines(text: str) -> str:
    """Several lines (an error message, a usage text): each line as ``terminal`` makes one."""
    return "\n".join(terminal(line) for line in str(text).split("\n"))


# --- machine formats: lossless escapes --------------------------------------------------------


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


# Raw newlines in JSON text are its indentation (a newline in a string is always written \\n).
_JSON_UNSAFE = re.compile(f"[{_CONTROLS_BUT_NEWLINE}{_FORMATS_AND_SEPARATORS}]|(?<=##)\\[")


def ci_safe_json(text: str) -> str:
    """JSON text with what could deceive or command a CI log written as JSON escapes (\\u202e, \\u005b).

    Those characters only occur inside JSON strings, where an escape reads back
    as the same character: ``json.loads`` gives the identical document.
    """
    return _JSON_UNSAFE.sub(_json_escape, text)


def to_json(document: Any, indent: int | None = 2, default: Any = None) -> str:
    """The JSON form of every report: UTF-8 text, escaped by ``ci_safe_json``, with a final newline."""
    return ci_safe_json(json.dumps(document, indent=indent, ensure_ascii=False, default=default)) + "\n"


def ci_safe_xml(text: str) -> str:
    """Serialised XML whose text cannot start a workflow command: character references read back the same."""
    text = _LEGACY_COMMAND.sub("##&#91;", text)
    return _LINE_START_COMMAND.sub(lambda m: m.group(1) + "&#58;", text)


def ci_safe_ics(text: str) -> str:
    """iCalendar text folded again where a continuation line would begin with '::' (the runner trims its space).

    Values are already one line each (``terminal``); folding (RFC 5545 3.1) is
    the only way iCalendar starts a line with value text, and unfolding removes
    exactly the one space it adds, so folding elsewhere reads back the same.
    """
    logical: list[str] = []
    for line in text.split("\r\n"):
        if line.startswith((" ", "\t")) and logical:
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return "\r\n".join(_fold(line) for line in logical)


def _fold(line: str, first: int = 75, rest: int = 74) -> str:
    pieces = []
    start, limit = 0, first
    while True:
        end, size = start, 0
        while end < len(line) and size + len(line[end].encode("utf-8")) <= limit:
            size += len(line[end].encode("utf-8"))
            end += 1
        if end >= len(line):
            pieces.append(line[start:])
            return "\r\n ".join(pieces)
        while end > start + 1 and line[end:].lstrip().startswith("::"):
            end -= 1  # fold earlier: the next line starts with what came before the '::'
        if line[end:].lstrip().startswith("::"):  # nothing but white space and colons before: fold inside them
            end = line.index(":", end) + 1
        pieces.append(line[start:end])
        start, limit = end, rest


# --- CSV ------------------------------------------------------------------------------------

# A spreadsheet reads a cell that starts with one of these as a formula (OWASP "CSV injection"); some
# skip white space before them, so the test is made after it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """One CSV cell, for every CSV table the tool writes: what it holds, shown as ``terminal`` shows it,
    and never a formula (a leading ' makes it text and keeps the whole value). A number stays a number:
    a negative one is no formula, and must still sort as a number."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    text = terminal(str(value))
    return "'" + text if text.lstrip().startswith(_FORMULA_START) else text


# --- workflow commands, XML, Markdown ---------------------------------------------------------


def github_data(text: str) -> str:
    """The message part of a workflow command (after '::'): shown as written, newlines encoded."""
    # '##[' needs nothing: the runner reads a line that is a '::' command as nothing else.
    return visible(text, keep_newlines=True).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """A property value of a workflow command (file=..., title=...): decoded by the runner to exactly ``text``."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C")


def xml_text(text: str) -> str:
    """Visible, and only what XML can represent (ElementTree escapes the markup characters)."""
    return _XML_INVALID.sub("\ufffd", visible(text, keep_newlines=True))


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def markdown(text: str) -> str:
    """Inline Markdown text on GitHub: no formatting, no HTML, no @mentions, one line."""
    text = terminal(str(text)).replace("\\n", " ")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    # A zero-width space keeps "@team" from notifying anyone.
    return text.replace("@", "@\u200b")


def markdown_code(text: str) -> str:
    """Inline code: backticks in the value are replaced, as Markdown offers no escape inside code."""
    cleaned = terminal(str(text)).replace("`", "'")
    return f"`{cleaned}`"

"""Escaping untrusted text (record values reach messages) for each output."""

from __future__ import annotations

import re

# C0/C1 control characters and DEL, except tab and newline handled by callers.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Characters XML 1.0 cannot carry at all.
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def terminal(text: str) -> str:
    """One line, no escape sequences: a value must not repaint the terminal or forge lines.

    Nor a workflow command: CI runners print this text, and the GitHub Actions
    runner executes ``##[name]...`` found anywhere in a line (its legacy command
    form), so the ``[`` of ``##[`` is shown as ``\\x5b``.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n").replace("\t", " ")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text).replace("##[", "##\\x5b")


def github_data(text: str) -> str:
    """The message part of a workflow command (after '::')."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """A property value of a workflow command (file=..., title=...)."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


def xml_text(text: str) -> str:
    """Drop what XML cannot represent; ElementTree escapes the rest."""
    return _XML_INVALID.sub("\ufffd", text)


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

"""Shared pieces of the attack tests: hostile text, and a GitHub emulator for `review`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.github_emulator import TOKEN, GitHubEmulator

# GitHub workflow commands in every shape the runner accepts: at the start of a
# line (after white space, which the runner trims), after \n, \r or \r\n, already
# percent-encoded, and the legacy ##[name] form the runner finds anywhere in a line.
WORKFLOW_COMMANDS = (
    "::set-output name=x::y ::add-mask::m ::error::e %0A::error::pct ##[add-mask]legacy"
    "\n::error::lf\r::warning::cr\r\n  ::notice::crlf\n\u0085::debug::nel\n\u2028::stop-commands::tok"
)

# Markup for a pull request comment or a web page: HTML with event handlers, a
# script, a javascript: link, an image, mentions, a table-breaking pipe and a newline.
MARKUP = (
    "<img src=x onerror=alert(1)> [click](javascript:alert(1)) @everyone @acme/cab a | b"
    '\n"><script>alert(2)</script> `x|y` ![i](http://evil.example/i.png) <!-- hidden -->'
)


def yaml_string(text: str) -> str:
    """A YAML double-quoted scalar holding ``text`` exactly: printable ASCII as it is, the rest as escapes.

    (Not json.dumps: JSON writes a character beyond U+FFFF as a surrogate pair, which YAML refuses.)
    """
    parts = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            parts.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            parts.append(char)
        else:
            parts.append(f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return '"' + "".join(parts) + '"'


def serve_github(monkeypatch: pytest.MonkeyPatch, emulator: GitHubEmulator | None = None) -> Iterator[GitHubEmulator]:
    """The local GitHub emulator, with the environment `review` and `evidence` read."""
    with emulator or GitHubEmulator() as github:
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", github.url)
        monkeypatch.setenv("GITHUB_REPOSITORY", "acme/itsm")
        yield github

"""Shared pieces of the attack tests: hostile text, and a GitHub emulator for `review`."""

from __future__ import annotations

import json
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
    """A YAML double-quoted scalar holding ``text`` exactly (JSON strings are valid YAML)."""
    return json.dumps(text)


def serve_github(monkeypatch: pytest.MonkeyPatch, emulator: GitHubEmulator | None = None) -> Iterator[GitHubEmulator]:
    """The local GitHub emulator, with the environment `review` and `evidence` read."""
    with emulator or GitHubEmulator() as github:
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", github.url)
        monkeypatch.setenv("GITHUB_REPOSITORY", "acme/itsm")
        yield github

"""Commit message trailers (``Approved-by: Name <email>``), as git writes them.

Trailers are the last paragraph of a message when every line in it is a
``Key: value`` line (or a continuation indented under one). Parsed in Python
so that reading thousands of commits needs no ``git interpret-trailers``
process per commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TRAILER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*):\s*(.*)$")
_PERSON = re.compile(r"^(.*?)\s*<([^<>@\s]+@[^<>\s]+)>\s*$")


@dataclass(frozen=True)
class Person:
    name: str
    email: str

    @property
    def identity(self) -> str:
        return self.email.lower()


def parse_trailers(message: str) -> list[tuple[str, str]]:
    paragraphs = [p for p in re.split(r"\n\s*\n", message.strip()) if p.strip()]
    if len(paragraphs) < 2:
        return []  # a subject line alone has no trailers
    trailers: list[tuple[str, str]] = []
    for line in paragraphs[-1].splitlines():
        if line[:1] in (" ", "\t") and trailers:
            key, value = trailers[-1]
            trailers[-1] = (key, f"{value} {line.strip()}")
            continue
        match = _TRAILER.match(line)
        if match is None:
            return []
        trailers.append((match.group(1), match.group(2).strip()))
    return trailers


def trailer_values(message: str, key: str) -> list[str]:
    wanted = key.lower()
    return [value for name, value in parse_trailers(message) if name.lower() == wanted]


def parse_person(text: str) -> Person | None:
    match = _PERSON.match(text.strip())
    return Person(match.group(1).strip(), match.group(2)) if match else None

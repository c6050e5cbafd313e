"""References between records: ``kind:name`` strings such as ``team:payments``."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Short reference prefix -> record kind, in the order used in docs and messages.
KIND_OF_PREFIX: dict[str, str] = {
    "team": "Team",
    "service": "Service",
    "ci": "ConfigurationItem",
    "sla": "SLA",
    "change": "Change",
    "policy": "Policy",
    "freeze": "Freeze",
    "standard": "StandardChange",
    "incident": "Incident",
    "problem": "Problem",
    "request": "RequestType",
    "kb": "KnowledgeArticle",
}
PREFIX_OF_KIND: dict[str, str] = {kind: prefix for prefix, kind in KIND_OF_PREFIX.items()}
KINDS: tuple[str, ...] = tuple(KIND_OF_PREFIX.values())
# Same rule as the schema's name definition.
NAME_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass(frozen=True, slots=True)
class Ref:
    prefix: str
    name: str

    @property
    def kind(self) -> str:
        return KIND_OF_PREFIX[self.prefix]

    def __str__(self) -> str:
        return f"{self.prefix}:{self.name}"


def parse_ref(text: str) -> Ref:
    """Parse ``kind:name``; raises ValueError with a helpful message."""
    prefix, sep, name = text.partition(":")
    if not sep or not name:
        raise ValueError(f"{text!r} is not a reference; write kind:name, e.g. team:payments")
    if prefix not in KIND_OF_PREFIX:
        known = ", ".join(KIND_OF_PREFIX)
        raise ValueError(f"{text!r} has unknown kind {prefix!r} (use one of {known})")
    return Ref(prefix, name)


def ref_of(kind: str, name: str) -> str:
    return f"{PREFIX_OF_KIND[kind]}:{name}"

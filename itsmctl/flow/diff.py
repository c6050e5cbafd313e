"""Field-level differences between two versions of a record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_MISSING = object()


@dataclass(frozen=True)
class FieldChange:
    path: str  # dotted, with [i] for list positions: spec.window.start, spec.targets[1]
    before: Any  # None when added
    after: Any  # None when removed

    @property
    def kind(self) -> str:
        if self.before is _MISSING:
            return "added"
        if self.after is _MISSING:
            return "removed"
        return "changed"

    def shown(self, value: Any) -> Any:
        return None if value is _MISSING else value


@dataclass
class RecordDiff:
    """What a pull request did to one record (matched by kind and name, wherever its file is)."""

    kind: str
    name: str
    action: str  # added | modified | removed
    path: str
    previous_path: str | None
    fields: list[FieldChange] = field(default_factory=list)


def _join(prefix: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else key


def diff_values(before: Any, after: Any, prefix: str = "") -> list[FieldChange]:
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[FieldChange] = []
        for key in list(before) + [k for k in after if k not in before]:
            changes.extend(diff_values(before.get(key, _MISSING), after.get(key, _MISSING), _join(prefix, key)))
        return changes
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        changes = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            changes.extend(diff_values(old, new, _join(prefix, index)))
        return changes
    if before == after and type(before) is type(after):
        return []
    return [FieldChange(prefix, before, after)]


def touches(changes: list[FieldChange], field: str) -> bool:
    """Whether any change is at ``spec.<field>`` or below it."""
    prefix = f"spec.{field}"
    return any(c.path == prefix or c.path.startswith((prefix + ".", prefix + "[")) for c in changes)

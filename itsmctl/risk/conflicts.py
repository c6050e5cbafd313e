"""Conflicts: open changes whose windows overlap on the same or dependent targets.

Windows are swept in start order, so only changes that overlap in time are
compared (a schedule of thousands of changes has few such pairs); each pair is
then related through the blast radius: B conflicts with A when B touches
something A touches or something that depends on what A touches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from itsmctl.graph.impact import BlastRadius
from itsmctl.model.kinds import Change

SCHEDULED_STATUSES = frozenset({"requested", "approved", "scheduled", "in-progress"})


@dataclass(frozen=True)
class Conflict:
    change: str
    other: str
    via: str  # the shared or dependent target
    reason: str


def scheduled(changes: list[Change]) -> list[Change]:
    """Changes that hold a slot in the schedule: past draft, not closed, with a window."""
    return [c for c in changes if c.status in SCHEDULED_STATUSES and c.window is not None]


class PairCache:
    """Per-change data a pairwise comparison needs, computed once per change, not once per pair.

    A busy schedule compares each change with hundreds of others that overlap in
    time; building sets, sorting and hashing the targets for every pair dominated.
    """

    def __init__(self, radius_of: Callable[[Change], BlastRadius]) -> None:
        self.radius_of = radius_of
        # Keyed by the Change object itself (identity: Change compares by identity), so one
        # cache can serve several states of a replayed history, where names repeat.
        self.targets: dict[Change, tuple[frozenset[str], list[str]]] = {}
        self.radii: dict[Change, BlastRadius] = {}

    def targets_of(self, change: Change) -> tuple[frozenset[str], list[str]]:
        found = self.targets.get(change)
        if found is None:
            refs = change.target_refs
            found = self.targets[change] = (frozenset(refs), sorted(refs))
        return found

    def radius(self, change: Change) -> BlastRadius:
        found = self.radii.get(change)
        if found is None:
            found = self.radii[change] = self.radius_of(change)
        return found

    def relation(self, a: Change, b: Change) -> tuple[str, str] | None:
        a_targets, a_sorted = self.targets_of(a)
        b_targets, b_sorted = self.targets_of(b)
        shared = a_targets & b_targets
        if shared:
            first = min(shared)
            return first, f"both change {first}"
        a_radius = self.radius(a)
        for ref in b_sorted:
            if ref in a_radius:
                return ref, f"{b.name} changes {ref}, which depends on what {a.name} changes"
        b_radius = self.radius(b)
        for ref in a_sorted:
            if ref in b_radius:
                return ref, f"{a.name} changes {ref}, which depends on what {b.name} changes"
        return None


def find_conflicts(changes: list[Change], radius_of: Callable[[Change], BlastRadius]) -> dict[str, list[Conflict]]:
    """Every conflict, listed under both changes (the relation is symmetric)."""
    ordered = sorted(scheduled(changes), key=lambda c: (c.window.start, c.name))  # type: ignore[union-attr]
    sides = PairCache(radius_of)
    result: dict[str, list[Conflict]] = {}
    active: list[Change] = []
    for change in ordered:
        window = change.window
        assert window is not None
        active = [other for other in active if other.window is not None and other.window.end > window.start]
        for other in active:
            relation = sides.relation(other, change)
            if relation is None:
                continue
            via, reason = relation
            result.setdefault(change.name, []).append(Conflict(change.name, other.name, via, reason))
            result.setdefault(other.name, []).append(Conflict(other.name, change.name, via, reason))
        active.append(change)
    return result


def conflicts_of(
    change: Change,
    others: list[Change],
    radius_of: Callable[[Change], BlastRadius],
    sides: PairCache | None = None,
) -> list[Conflict]:
    """Conflicts of one change with the others: a linear scan, for callers that ask about one change."""
    window = change.window
    if change.status not in SCHEDULED_STATUSES or window is None:
        return []
    sides = sides or PairCache(radius_of)
    found = []
    for other in others:
        if other.name == change.name or other.status not in SCHEDULED_STATUSES or other.window is None:
            continue
        if not window.overlaps(other.window):
            continue
        relation = sides.relation(other, change)
        if relation is not None:
            found.append(Conflict(change.name, other.name, relation[0], relation[1]))
    return found

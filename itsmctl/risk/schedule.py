"""The forward schedule of change, and everything wrong with it.

Scheduled changes are those past draft and not closed, with a window. Three
kinds of problem are reported: two changes overlapping on the same or
dependent targets, a change outside its targets' maintenance windows, and a
change inside a freeze that does not allow its type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from itsmctl.model.kinds import Change, Freeze
from itsmctl.risk.conflicts import Conflict, scheduled
from itsmctl.risk.freezes import FreezeHit
from itsmctl.risk.planning import Planning


@dataclass(frozen=True)
class ScheduleIssue:
    kind: str  # "overlap" | "maintenance" | "freeze"
    changes: tuple[str, ...]
    reason: str
    via: str = ""


@dataclass
class Schedule:
    start: datetime | None
    end: datetime | None
    changes: list[Change] = field(default_factory=list)
    freezes: list[Freeze] = field(default_factory=list)
    issues: list[ScheduleIssue] = field(default_factory=list)


def _in_range(begin: datetime, finish: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or finish > start) and (end is None or begin < end)


def overlap_issues(planning: Planning, changes: list[Change]) -> list[ScheduleIssue]:
    seen: set[tuple[str, str]] = set()
    issues = []
    for change in changes:
        conflict: Conflict
        for conflict in planning.conflicts(change):
            pair = tuple(sorted((conflict.change, conflict.other)))
            if pair in seen:
                continue
            seen.add(pair)  # type: ignore[arg-type]
            issues.append(ScheduleIssue("overlap", pair, conflict.reason, conflict.via))  # type: ignore[arg-type]
    return issues


def maintenance_issue(planning: Planning, change: Change) -> ScheduleIssue | None:
    outside, _ = planning.outside_maintenance(change)
    if not outside:
        return None
    return ScheduleIssue(
        "maintenance", (change.name,), f"outside the maintenance windows of {', '.join(outside)}", outside[0]
    )


def freeze_issue(change: Change, hit: FreezeHit) -> ScheduleIssue:
    return ScheduleIssue("freeze", (change.name,), hit.reason, hit.freeze.name)


def build_schedule(planning: Planning, start: datetime | None, end: datetime | None) -> Schedule:
    changes = [
        change
        for change in scheduled(list(planning.catalog.changes.values()))
        if change.window is not None and _in_range(change.window.start, change.window.end, start, end)
    ]
    changes.sort(key=lambda c: (c.window.start, c.name))  # type: ignore[union-attr]
    schedule = Schedule(start, end, changes)
    schedule.freezes = [f for f in planning.freezes if _in_range(f.window.start, f.window.end, start, end)]
    in_range = {change.name for change in changes}
    schedule.issues.extend(issue for issue in overlap_issues(planning, changes) if set(issue.changes) & in_range)
    for change in changes:
        issue = maintenance_issue(planning, change)
        if issue is not None:
            schedule.issues.append(issue)
        schedule.issues.extend(freeze_issue(change, hit) for hit in planning.freeze_hits(change) if not hit.allowed)
    return schedule

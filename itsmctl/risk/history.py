"""Past outcomes on a change's targets, decayed by age, as a likelihood factor.

Each closed change that touched one of the same targets counts with weight
``0.5 ** (age_days / half_life)``, age measured from its end to the start of
the change being assessed. Failures and roll-backs add points; successes take
points away, so a long clean record lowers the risk and a recent failure
raises it. Outcomes found in git history (``itsmctl audit``) and incidents
caused by a change feed the same entries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from itsmctl.model.kinds import Change, Incident

OUTCOMES = ("completed", "failed", "rolled-back")


@dataclass(frozen=True)
class PastOutcome:
    change: str
    targets: tuple[str, ...]
    outcome: str  # completed | failed | rolled-back | incident
    ended: datetime
    source: str = "repository"  # or "git history"
    incident: str | None = None  # for outcome "incident": the incident's name
    priority: str | None = None  # and its priority


@dataclass
class History:
    by_target: dict[str, list[PastOutcome]] = field(default_factory=lambda: defaultdict(list))

    def add(self, outcome: PastOutcome) -> None:
        for target in outcome.targets:
            entries = self.by_target[target]
            key = (outcome.change, outcome.incident)
            if all((existing.change, existing.incident) != key for existing in entries):
                entries.append(outcome)

    def relevant(self, targets: Iterable[str], before: datetime, exclude: str) -> list[PastOutcome]:
        seen: dict[tuple[str, str | None], PastOutcome] = {}
        for target in targets:
            for entry in self.by_target.get(target, ()):
                if entry.change != exclude and entry.ended <= before:
                    seen.setdefault((entry.change, entry.incident), entry)
        return sorted(seen.values(), key=lambda entry: (entry.ended, entry.change, entry.incident or ""))


def history_from_changes(changes: Iterable[Change], incidents: Iterable[Incident] = ()) -> History:
    """Outcomes of closed changes, and incidents that past changes caused (on those changes' targets)."""
    history = History()
    by_name: dict[str, Change] = {}
    for change in changes:
        by_name[change.name] = change
        if change.status not in OUTCOMES:
            continue
        ended = change.actual_end or (change.window.end if change.window else None)
        if ended is None:
            continue
        history.add(PastOutcome(change.name, change.target_refs, change.status, ended))
    for incident in incidents:
        cause = by_name.get((incident.caused_by or "").removeprefix("change:"))
        if cause is not None:
            history.add(
                PastOutcome(
                    cause.name,
                    cause.target_refs,
                    "incident",
                    incident.opened,
                    incident=incident.name,
                    priority=incident.priority,
                )
            )
    return history


def decay(age_days: float, half_life_days: float) -> float:
    return float(0.5 ** (max(age_days, 0.0) / half_life_days))

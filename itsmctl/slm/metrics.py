"""DORA-style metrics from the repository: change volume, change failure rate,
time to restore, and change lead time.

A change counts in a period when it closed in it (its ``actualEnd``, or the end
of its window). It failed when its outcome is failed or rolled-back, or when
an incident names it in ``causedBy``. Time to restore is opened -> resolved
of incidents resolved in the period. Lead time runs from the first commit of
the change's file to its completion, from git history when there is one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from statistics import mean, median

from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import Change, Incident

CLOSED = ("completed", "failed", "rolled-back")
# The references figures are counted by, per service and team (see load.omitted): a change's targets,
# an incident's services and cause, the owner of a service or CI.
COUNTED_REFERENCES: dict[str, tuple[str, ...]] = {
    "Change": ("targets",),
    "Incident": ("services", "causedBy"),
    "Service": ("owner",),
    "ConfigurationItem": ("owner",),
}


@dataclass
class Metrics:
    scope: str  # "all", "service:NAME", "team:NAME"
    changes: int = 0
    failed: int = 0
    incidents: int = 0
    restore_minutes: list[float] = field(default_factory=list)
    lead_hours: list[float] = field(default_factory=list)

    @property
    def failure_rate(self) -> float | None:
        return self.failed / self.changes if self.changes else None

    @property
    def mean_time_to_restore(self) -> float | None:
        return mean(self.restore_minutes) if self.restore_minutes else None

    @property
    def median_lead_time(self) -> float | None:
        return median(self.lead_hours) if self.lead_hours else None


def _ended(change: Change) -> datetime | None:
    return change.actual_end or (change.window.end if change.window else None)


def _services_of(change: Change, catalog: Catalog) -> set[str]:
    """Services a change concerns: those it targets, and those that use a CI it targets directly."""
    refs = {ref for ref in change.target_refs if ref.startswith("service:")}
    cis = {ref for ref in change.target_refs if ref.startswith("ci:")}
    if cis:
        refs.update(f"service:{name}" for name, s in catalog.services.items() if cis & set(s.depends_on))
    return refs


def compute_metrics(
    catalog: Catalog, start: datetime, end: datetime, first_commits: dict[str, datetime] | None = None
) -> list[Metrics]:
    """Overall, per service and per team. ``first_commits`` maps change names to when their file first appeared."""
    table: dict[str, Metrics] = defaultdict(lambda: Metrics(""))

    def bucket(scope: str) -> Metrics:
        metrics = table[scope]
        metrics.scope = scope
        return metrics

    caused = {(i.caused_by or "").removeprefix("change:") for i in catalog.incidents.values() if i.caused_by}
    for change in catalog.changes.values():
        ended = _ended(change)
        if change.status not in CLOSED or ended is None or not start <= ended < end:
            continue
        failed = change.status in ("failed", "rolled-back") or change.name in caused
        services = _services_of(change, catalog)
        teams = {catalog.owner_of(ref) for ref in change.target_refs} - {None}
        lead = None
        if first_commits and change.name in first_commits:
            lead = (ended - first_commits[change.name]).total_seconds() / 3600
        for scope in ("all", *sorted(services), *sorted(teams)):  # type: ignore[arg-type]
            metrics = bucket(scope)
            metrics.changes += 1
            metrics.failed += failed
            if lead is not None and lead >= 0:
                metrics.lead_hours.append(lead)
    for incident in catalog.incidents.values():
        _count_incident(incident, catalog, start, end, bucket)
    order = sorted(table, key=lambda scope: (scope != "all", not scope.startswith("service:"), scope))
    return [table[scope] for scope in order]


def _count_incident(incident: Incident, catalog: Catalog, start: datetime, end: datetime, bucket) -> None:  # type: ignore[no-untyped-def]
    if incident.resolved is None or not start <= incident.resolved < end:
        return
    minutes = (incident.resolved - incident.opened).total_seconds() / 60
    teams = {catalog.owner_of(ref) for ref in incident.services} - {None}
    for scope in ("all", *sorted(incident.services), *sorted(teams)):  # type: ignore[arg-type]
        metrics = bucket(scope)
        metrics.incidents += 1
        metrics.restore_minutes.append(minutes)


def first_commits_from_trails(trails: Iterable[object]) -> dict[str, datetime]:
    """When each change's file first appeared, from an audit's trails."""
    found: dict[str, datetime] = {}
    for trail in trails:
        transitions = getattr(trail, "transitions", [])
        if transitions:
            found[trail.name] = transitions[0].date
    return found

"""SLA compliance per service over a period: availability, error budget, response and resolution.

Availability counts the minutes of ``outage`` incidents (``degraded`` ones do
not), from the impact start (default: opened) to the impact end (default:
resolved, or the end of the period while unresolved), merged so overlapping
incidents count once, clipped to the period and, where the SLA has support
hours, counted only inside them. Response (opened -> acknowledged) and
resolution (opened -> resolved) of the incidents opened in the period are
measured the same way against the SLA's per-priority targets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import SLA, Incident, Service
from itsmctl.slm.business_time import clip, counted_between, counted_seconds

# The references availability is counted by: an incident's services, a service's SLA (see load.omitted).
COUNTED_REFERENCES: dict[str, tuple[str, ...]] = {"Incident": ("services",), "Service": ("sla",)}


@dataclass(frozen=True)
class Breach:
    incident: str
    priority: str
    measure: str  # "response" or "resolution"
    minutes: float
    target_minutes: float
    still_open: bool = False

    @property
    def missed_by(self) -> float:
        return round(self.minutes - self.target_minutes, 2)


@dataclass
class IncidentTimes:
    incident: str
    priority: str
    response_minutes: float | None
    response_target: float | None
    resolution_minutes: float | None
    resolution_target: float | None
    still_open: bool


@dataclass
class ServiceCompliance:
    service: str
    sla: str
    target: float
    total_minutes: float
    outage_minutes: float
    incidents: list[IncidentTimes] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)

    @property
    def availability(self) -> float:
        if self.total_minutes == 0:
            return 100.0
        return 100.0 * (self.total_minutes - self.outage_minutes) / self.total_minutes

    @property
    def allowed_minutes(self) -> float:
        return self.total_minutes * (1 - self.target / 100.0)

    @property
    def budget_left_minutes(self) -> float:
        return self.allowed_minutes - self.outage_minutes

    @property
    def met(self) -> bool:
        return self.availability >= self.target - 1e-9


def _minutes(seconds: float) -> float:
    return round(seconds / 60.0, 2)


def _affects(incident: Incident, service_ref: str) -> bool:
    return service_ref in incident.services


def compliance(
    service: Service,
    sla: SLA,
    incidents: list[Incident],
    start: datetime,
    end: datetime,
    now: datetime | None = None,
) -> ServiceCompliance:
    """``now``: where running clocks stop when the period has not ended (default: the period end)."""
    ref = f"service:{service.name}"
    mine = [i for i in incidents if _affects(i, ref)]
    hours = sla.support_hours
    horizon = end if now is None else max(start, min(end, now))
    outages = [
        clip((i.impact_start, i.impact_end or max(horizon, i.impact_start)), start, end)
        for i in mine
        if i.impact_kind == "outage"
    ]
    report = ServiceCompliance(
        service=service.name,
        sla=sla.name,
        target=sla.availability,
        total_minutes=_minutes(counted_seconds(start, end, hours)),
        outage_minutes=_minutes(counted_between(outages, hours)),
    )
    for incident in sorted(mine, key=lambda i: (i.opened, i.name)):
        if not start <= incident.opened < end:
            continue
        response_target = sla.response.get(incident.priority)
        resolution_target = sla.resolution.get(incident.priority)
        # Resolving an incident answers it at the latest; unanswered, the wait goes on to the horizon.
        answered = incident.acknowledged or incident.resolved
        waited = _minutes(counted_seconds(incident.opened, answered or max(horizon, incident.opened), hours))
        response = waited if answered else None
        finished = incident.resolved or max(horizon, incident.opened)
        resolution = _minutes(counted_seconds(incident.opened, finished, hours))
        times = IncidentTimes(
            incident.name,
            incident.priority,
            response,
            _minutes(response_target.total_seconds()) if response_target else None,
            resolution,
            _minutes(resolution_target.total_seconds()) if resolution_target else None,
            incident.resolved is None,
        )
        report.incidents.append(times)
        if times.response_target is not None and waited > times.response_target:
            report.breaches.append(
                Breach(incident.name, incident.priority, "response", waited, times.response_target, answered is None)
            )
        if times.resolution_target is not None and resolution > times.resolution_target:
            report.breaches.append(
                Breach(
                    incident.name,
                    incident.priority,
                    "resolution",
                    resolution,
                    times.resolution_target,
                    incident.resolved is None,
                )
            )
    return report


def sla_report(
    catalog: Catalog, start: datetime, end: datetime, service: str | None = None, now: datetime | None = None
) -> list[ServiceCompliance]:
    """Compliance of every service with an SLA (or of ``service``); running clocks stop at ``now`` (default: now)."""
    now = now or datetime.now(UTC)
    incidents = list(catalog.incidents.values())
    reports = []
    for name, item in sorted(catalog.services.items()):
        if service and name != service:
            continue
        sla = catalog.typed(item.sla) if item.sla else None
        if isinstance(sla, SLA):
            reports.append(compliance(item, sla, incidents, start, end, now))
    return reports

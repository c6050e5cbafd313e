"""What the catalog site shows, computed once: indexes and per-page data.

Every lookup a page needs (changes by target, services by team, CIs by
service, incidents and problems by service) is an index built in one pass, so
rendering 20,000 pages never scans the catalog per page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from itsmctl.flow.approvals import required_approvals
from itsmctl.graph.cmdb import DependencyGraph
from itsmctl.load.omitted import Omission
from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import SLA, Change, Freeze, Service, Team
from itsmctl.risk.planning import PLANNING_REFERENCES, Planning
from itsmctl.risk.schedule import Schedule, build_schedule
from itsmctl.risk.score import RiskAssessment, assess
from itsmctl.risk.windows import RuleError, next_occurrences
from itsmctl.slm.compliance import COUNTED_REFERENCES as COMPLIANCE_REFERENCES
from itsmctl.slm.compliance import ServiceCompliance, compliance

CLOSED = frozenset({"completed", "failed", "rolled-back", "cancelled"})
# How far ahead the calendar page draws freezes week by week (see ``calendar_view``).
CALENDAR_WEEKS_AHEAD = 52
# What the pages count and list per service (see load.omitted): SLA compliance, changes by
# target, problems, articles and request types by service, and what risk and the calendar use.
SITE_REFERENCES: dict[str, tuple[str, ...]] = {
    **PLANNING_REFERENCES,
    "Incident": ("services",),
    "Service": (*PLANNING_REFERENCES["Service"], *COMPLIANCE_REFERENCES["Service"]),
    "Problem": ("services",),
    "KnowledgeArticle": ("services",),
    "RequestType": ("service",),
}


@dataclass
class SiteData:
    catalog: Catalog
    planning: Planning
    now: datetime
    risks: dict[str, RiskAssessment] = field(default_factory=dict)
    changes_by_target: dict[str, list[Change]] = field(default_factory=lambda: defaultdict(list))
    services_by_team: dict[str, list[Service]] = field(default_factory=lambda: defaultdict(list))
    cis_by_team: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    incidents_by_service: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    problems_by_service: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    articles_by_service: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    requests_by_service: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    schedule: Schedule | None = None
    # Records the catalog could not hold: the index page and catalog.json say so.
    omitted: list[Omission] = field(default_factory=list)

    @property
    def graph(self) -> DependencyGraph:
        return self.planning.graph


def collect(
    catalog: Catalog, planning: Planning, now: datetime | None = None, omitted: list[Omission] | None = None
) -> SiteData:
    data = SiteData(catalog, planning, now or datetime.now(UTC), omitted=list(omitted or ()))
    for change in catalog.changes.values():
        for ref in change.target_refs:
            data.changes_by_target[ref].append(change)
        data.risks[change.name] = assess(change, planning)
    for service in catalog.services.values():
        data.services_by_team[service.owner].append(service)
    for name, item in catalog.cis.items():
        data.cis_by_team[item.owner].append(name)
    for incident in catalog.incidents.values():
        for ref in incident.services:
            data.incidents_by_service[ref].append(incident)
    for problem in catalog.problems.values():
        for ref in problem.services:
            data.problems_by_service[ref].append(problem)
    for article in catalog.knowledge.values():
        for ref in article.services:
            data.articles_by_service[ref].append(article)
    for request in catalog.request_types.values():
        if request.service:
            data.requests_by_service[request.service].append(request)
    data.schedule = build_schedule(planning, data.now - timedelta(days=7), None)
    return data


def _sorted_changes(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: (c.window.start if c.window else datetime.max.replace(tzinfo=UTC), c.name))


def changes_for(data: SiteData, refs: list[str]) -> tuple[list[Change], list[Change]]:
    """(upcoming and open, recently closed) changes that target any of ``refs``."""
    seen: dict[str, Change] = {}
    for ref in refs:
        for change in data.changes_by_target.get(ref, ()):
            seen[change.name] = change
    upcoming = [c for c in seen.values() if c.status not in CLOSED]
    recent_cutoff = data.now - timedelta(days=120)
    recent = [c for c in seen.values() if c.status in CLOSED and c.window is not None and c.window.end >= recent_cutoff]
    return _sorted_changes(upcoming), list(reversed(_sorted_changes(recent)))


def windows_of(item: Any, now: datetime) -> list[dict[str, Any]]:
    shown = []
    for window in getattr(item, "maintenance_windows", ()):
        try:
            upcoming = next_occurrences(window, now, 3)
        except RuleError:
            upcoming = []
        shown.append({"window": window, "next": upcoming})
    return shown


def sla_periods(now: datetime, months: int = 3) -> list[tuple[datetime, datetime]]:
    """This month so far, then the complete months before it."""
    first = datetime(now.year, now.month, 1, tzinfo=UTC)
    periods = [(first, now)]
    for _ in range(months - 1):
        start = datetime(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1, tzinfo=UTC)
        periods.append((start, first))
        first = start
    return periods


def sla_history(data: SiteData, service: Service, months: int = 3) -> list[ServiceCompliance]:
    """Compliance for this month so far and the months before it."""
    sla = data.catalog.typed(service.sla) if service.sla else None
    if not isinstance(sla, SLA):
        return []
    incidents = data.incidents_by_service.get(f"service:{service.name}", [])
    return [compliance(service, sla, incidents, start, end) for start, end in sla_periods(data.now, months)]


def team_of(data: SiteData, ref: str | None) -> Team | None:
    team = data.catalog.typed(ref) if ref else None
    return team if isinstance(team, Team) else None


def approvals_for(data: SiteData, change: Change) -> list[str]:
    risk = data.risks[change.name]
    policies = list(data.catalog.policies.values())
    return [need.label for need in required_approvals(change, policies, data.catalog.owner_of, risk.level, risk.score)]


@dataclass(frozen=True)
class CalendarView:
    """The calendar page: weeks (each with its changes and the freezes on it), drawn up to ``until``."""

    weeks: list[dict[str, Any]]
    until: datetime  # freezes are drawn week by week up to here
    continuing: list[Freeze]  # freezes that go on after ``until``


def _monday(moment: datetime) -> datetime:
    return datetime.combine((moment - timedelta(days=moment.weekday())).date(), datetime.min.time(), moment.tzinfo)


def calendar_view(data: SiteData) -> CalendarView:
    """The forward schedule by ISO week, with the freezes each week touches.

    One week per week of a freeze would let one record (a freeze to 2999) make
    50,000 weeks: freezes are drawn from the schedule's start (a week back) to
    ``CALENDAR_WEEKS_AHEAD`` weeks ahead, and a freeze that goes on after that
    is listed as continuing. A change after that keeps its own week, with the
    freezes on it: one week per change at most.
    """
    schedule = data.schedule
    until = data.now + timedelta(weeks=CALENDAR_WEEKS_AHEAD)
    if schedule is None:
        return CalendarView([], until, [])
    issues: dict[str, list[str]] = defaultdict(list)
    for issue in schedule.issues:
        for name in issue.changes:
            issues[name].append(f"{issue.kind}: {issue.reason}")
    weeks: dict[tuple[int, int], dict[str, Any]] = {}

    def week(moment: datetime) -> dict[str, Any]:
        iso = moment.isocalendar()
        key = (iso.year, iso.week)
        if key not in weeks:
            monday = (moment - timedelta(days=moment.weekday())).date()
            weeks[key] = {"year": iso.year, "week": iso.week, "monday": monday, "changes": [], "freezes": []}
        return weeks[key]

    for freeze in schedule.freezes:
        first = max(freeze.window.start, data.now - timedelta(days=7))
        monday = _monday(first)
        while monday < freeze.window.end and monday < until:
            week(max(monday, first))["freezes"].append(freeze)
            monday += timedelta(days=7)
    late: dict[tuple[int, int], datetime] = {}
    for change in schedule.changes:
        assert change.window is not None
        start = change.window.start
        entry = week(start)
        entry["changes"].append({"change": change, "risk": data.risks[change.name], "issues": issues[change.name]})
        if _monday(start) >= until:
            late[(entry["year"], entry["week"])] = _monday(start)
    for key, monday in late.items():  # beyond the drawn range: the freezes on that week only
        following = monday + timedelta(days=7)
        weeks[key]["freezes"] = [f for f in schedule.freezes if f.window.start < following and f.window.end > monday]
    continuing = [freeze for freeze in schedule.freezes if freeze.window.end > until]
    return CalendarView([weeks[key] for key in sorted(weeks)], until, continuing)

"""Typed views of the record kinds, built from records that passed their schema.

Builders convert text to values (timestamps, durations, time zones). A value the
schema cannot judge (30 February, an unknown time zone) raises ``FieldError``
with the path of the field, which the loader turns into a located finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from itsmctl.model.durations import parse_duration
from itsmctl.model.labels import written_labels
from itsmctl.model.pickling import pickle_by_constructor
from itsmctl.model.record import Record
from itsmctl.model.times import check_year, parse_timestamp

if TYPE_CHECKING:
    from itsmctl.graph.impact import Touch

OPEN_STATUSES = frozenset({"draft", "requested", "approved", "scheduled", "in-progress"})
CLOSED_STATUSES = frozenset({"completed", "failed", "rolled-back", "cancelled"})
AUTHORISED_STATUSES = frozenset({"approved", "scheduled", "in-progress"})
PRIORITIES = ("P1", "P2", "P3", "P4")

KeyPath = tuple[str | int, ...]


class FieldError(ValueError):
    def __init__(self, path: KeyPath, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _timestamp(spec: dict[str, Any], path: KeyPath, key: str) -> datetime | None:
    value = spec.get(key)
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError as error:
        raise FieldError((*path, key), str(error)) from None


def _duration(value: str, path: KeyPath) -> timedelta:
    try:
        return parse_duration(value)
    except ValueError as error:
        raise FieldError(path, str(error)) from None


def _first_day(value: str | None, path: KeyPath) -> str | None:
    """A maintenance window's first day: a real date in the years itsmctl takes."""
    if value is None:
        return None
    try:
        check_year(date.fromisoformat(value), value)
    except ValueError as error:
        message = str(error) if "out of range" in str(error) else f"{value!r} is not a valid date"
        raise FieldError(path, message) from None
    return value


@lru_cache(maxsize=512)
def _zone_named(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _zone(name: str | None, path: KeyPath) -> ZoneInfo:
    try:
        return _zone_named(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # A tzdata folder ('Europe', 'Etc') raises IsADirectoryError, not ZoneInfoNotFoundError.
        raise FieldError(path, f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin") from None


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    rrule: str
    duration: timedelta
    timezone: ZoneInfo
    start: str | None
    name: str = ""


def _windows(spec: dict[str, Any]) -> tuple[MaintenanceWindow, ...]:
    windows = []
    for index, item in enumerate(spec.get("maintenanceWindows") or ()):
        path: KeyPath = ("spec", "maintenanceWindows", index)
        windows.append(
            MaintenanceWindow(
                rrule=item["rrule"],
                duration=_duration(item["duration"], (*path, "duration")),
                timezone=_zone(item.get("timezone"), (*path, "timezone")),
                start=_first_day(item.get("start"), (*path, "start")),
                name=item.get("name", ""),
            )
        )
    return tuple(windows)


@dataclass(frozen=True, slots=True, eq=False)
class Team:
    record: Record
    members: tuple[str, ...]
    github_team: str | None
    contact: dict[str, str]
    lead: str | None
    # spec.aliases: a member entry's other logins and addresses. Only ever used to exclude a
    # person under all their names (flow.identities), never to make anyone a member.
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.record.name


@dataclass(frozen=True, slots=True, eq=False)
class Service:
    record: Record
    owner: str
    tier: int
    lifecycle: str
    sla: str | None
    depends_on: tuple[str, ...]
    maintenance_windows: tuple[MaintenanceWindow, ...]
    customer_facing: bool

    # Shared with ConfigurationItem, so graph code can treat both alike.
    kind: ClassVar[str] = "service"
    ci_type: ClassVar[None] = None
    redundancy: ClassVar[None] = None

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def ref(self) -> str:
        return "service:" + self.record.name

    @property
    def title(self) -> str:
        return self.record.title


@dataclass(frozen=True, slots=True)
class Redundancy:
    replicas: int
    min_available: int

    @property
    def tolerable_loss(self) -> int:
        """How many replicas can be down at once while the CI stays up."""
        return max(self.replicas - self.min_available, 0)


@dataclass(frozen=True, slots=True, eq=False)
class ConfigurationItem:
    record: Record
    type: str
    owner: str
    environment: str
    depends_on: tuple[str, ...]
    redundancy: Redundancy | None
    maintenance_windows: tuple[MaintenanceWindow, ...]

    # Shared with Service, so graph code can treat both alike.
    kind: ClassVar[str] = "ci"
    tier: ClassVar[None] = None
    customer_facing: ClassVar[bool] = False
    sla: ClassVar[None] = None
    lifecycle: ClassVar[None] = None

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def ref(self) -> str:
        return "ci:" + self.record.name

    @property
    def title(self) -> str:
        return self.record.title

    @property
    def ci_type(self) -> str:
        return self.type


@dataclass(frozen=True, slots=True)
class SupportHours:
    days: frozenset[int]  # 0 = Monday
    start_minute: int
    end_minute: int
    timezone: ZoneInfo


@dataclass(frozen=True, slots=True, eq=False)
class SLA:
    record: Record
    availability: float
    response: dict[str, timedelta]
    resolution: dict[str, timedelta]
    support_hours: SupportHours | None  # None means 24x7

    @property
    def name(self) -> str:
        return self.record.name


@dataclass(frozen=True, slots=True)
class Target:
    ref: str
    replicas: int | None = None  # replicas of a redundant CI taken down at once


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def overlaps(self, other: Window) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True, eq=False)
class Change:
    record: Record
    title: str
    type: str
    requester: str
    targets: tuple[Target, ...]
    window: Window | None
    implementation_plan: str
    rollback_plan: str
    test_plan: str
    status: str
    template: str | None
    outcome: dict[str, Any]
    pir: dict[str, Any] | None
    actual_start: datetime | None
    actual_end: datetime | None
    description: str = ""

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def target_refs(self) -> tuple[str, ...]:
        return tuple(target.ref for target in self.targets)

    @property
    def touches(self) -> tuple[Touch, ...]:
        """The targets as the blast radius takes them."""
        from itsmctl.graph.impact import Touch

        return tuple(Touch(target.ref, target.replicas) for target in self.targets)


@dataclass(frozen=True, slots=True)
class PolicyRule:
    id: str
    description: str
    severity: str
    kinds: tuple[str, ...]
    names: tuple[str, ...]
    labels: dict[str, Any]
    when: str | None
    assertion: str
    message: str
    field: str | None
    index: int  # position in spec.rules, to locate the rule


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    team: str | None
    owners: bool
    count: int


@dataclass(frozen=True, slots=True)
class ApprovalRequirement:
    id: str
    description: str
    when: str | None
    require: tuple[ApprovalRule, ...]
    allow_self_approval: bool
    index: int


@dataclass(frozen=True, slots=True, eq=False)
class Policy:
    record: Record
    rules: tuple[PolicyRule, ...]
    approvals: tuple[ApprovalRequirement, ...]
    risk_weights: dict[str, float] = field(default_factory=dict)
    # spec.evidence: who may write evidence notes, and whether notes commits must be signed.
    evidence_writers: frozenset[str] = frozenset()
    evidence_signed: bool = False
    # spec.owner: the team whose approval an edit to the policy needs (flow.owners).
    owner: str | None = None

    @property
    def name(self) -> str:
        return self.record.name


@dataclass(frozen=True, slots=True)
class FreezeScope:
    services: frozenset[str]
    cis: frozenset[str]
    labels: dict[str, Any]
    tiers: frozenset[int]

    @property
    def everything(self) -> bool:
        return not (self.services or self.cis or self.labels or self.tiers)


@dataclass(frozen=True, slots=True, eq=False)
class Freeze:
    record: Record
    window: Window
    reason: str
    scope: FreezeScope
    allowed_types: frozenset[str]
    # spec.owner: the team whose approval an edit to the freeze needs (flow.owners).
    owner: str | None = None

    @property
    def name(self) -> str:
        return self.record.name


@dataclass(frozen=True, slots=True, eq=False)
class StandardChange:
    record: Record
    owner: str
    services: frozenset[str]
    cis: frozenset[str]
    ci_types: frozenset[str]
    tiers: frozenset[int]
    labels: dict[str, Any]
    max_risk: str
    required_fields: tuple[str, ...]
    max_duration: timedelta | None

    @property
    def name(self) -> str:
        return self.record.name


@dataclass(frozen=True, slots=True)
class Interval:
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True, eq=False)
class Incident:
    record: Record
    title: str
    priority: str
    services: tuple[str, ...]
    cis: tuple[str, ...]
    impact_kind: str  # outage | degraded
    customer_facing: bool
    opened: datetime
    acknowledged: datetime | None
    resolved: datetime | None
    status: str
    caused_by: str | None
    problem: str | None
    summary: str
    impact_start: datetime
    impact_end: datetime | None  # None while unresolved

    @property
    def name(self) -> str:
        return self.record.name


@dataclass(frozen=True, slots=True, eq=False)
class Problem:
    record: Record
    title: str
    status: str
    owner: str
    services: tuple[str, ...]
    incidents: tuple[str, ...]
    fix: str | None

    @property
    def name(self) -> str:
        return self.record.name


@dataclass(frozen=True, slots=True, eq=False)
class RequestType:
    record: Record
    title: str
    service: str | None
    fulfilment: str
    sla: str | None
    priority: str
    target_time: timedelta | None
    standard_change: str | None
    requesters: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.record.name


@dataclass(frozen=True, slots=True, eq=False)
class KnowledgeArticle:
    record: Record
    services: tuple[str, ...]
    tags: tuple[str, ...]
    owner: str
    review_date: date
    body: str

    @property
    def name(self) -> str:
        return self.record.name


_DAY_INDEX = {day: index for index, day in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def build_team(record: Record) -> Team:
    spec = record.spec
    aliases = {str(member): tuple(others) for member, others in (spec.get("aliases") or {}).items()}
    return Team(
        record,
        tuple(spec.get("members") or ()),
        spec.get("githubTeam"),
        spec.get("contact") or {},
        spec.get("lead"),
        aliases,
    )


def build_service(record: Record) -> Service:
    spec = record.spec
    tier = spec["tier"]
    return Service(
        record=record,
        owner=spec["owner"],
        tier=tier,
        lifecycle=spec["lifecycle"],
        sla=spec.get("sla"),
        depends_on=tuple(spec.get("dependsOn") or ()),
        maintenance_windows=_windows(spec),
        customer_facing=spec.get("customerFacing", tier == 1),
    )


def build_ci(record: Record) -> ConfigurationItem:
    spec = record.spec
    redundancy = spec.get("redundancy")
    if redundancy and redundancy["minAvailable"] > redundancy["replicas"]:
        raise FieldError(
            ("spec", "redundancy", "minAvailable"),
            f"minAvailable {redundancy['minAvailable']} exceeds replicas {redundancy['replicas']}",
        )
    return ConfigurationItem(
        record=record,
        type=spec["type"],
        owner=spec["owner"],
        environment=spec["environment"],
        depends_on=tuple(spec.get("dependsOn") or ()),
        redundancy=Redundancy(redundancy["replicas"], redundancy["minAvailable"]) if redundancy else None,
        maintenance_windows=_windows(spec),
    )


def build_sla(record: Record) -> SLA:
    spec = record.spec
    hours = spec.get("supportHours", "24x7")
    support = None
    if isinstance(hours, dict):
        support = SupportHours(
            days=frozenset(_DAY_INDEX[day] for day in hours["days"]),
            start_minute=_minutes(hours["start"]),
            end_minute=_minutes(hours["end"]),
            timezone=_zone(hours.get("timezone"), ("spec", "supportHours", "timezone")),
        )
        if support.end_minute <= support.start_minute:
            raise FieldError(("spec", "supportHours", "end"), "support hours end before they start")
    return SLA(
        record=record,
        availability=float(spec["availability"]),
        response={p: _duration(v, ("spec", "response", p)) for p, v in (spec.get("response") or {}).items()},
        resolution={p: _duration(v, ("spec", "resolution", p)) for p, v in (spec.get("resolution") or {}).items()},
        support_hours=support,
    )


def _window(spec: dict[str, Any], path: KeyPath) -> Window | None:
    start = _timestamp(spec, path, "start")
    end = _timestamp(spec, path, "end")
    if start is None or end is None:
        return None
    return Window(start, end)


def build_change(record: Record) -> Change:
    spec = record.spec
    targets = tuple(
        Target(item) if isinstance(item, str) else Target(item["ref"], item.get("replicas")) for item in spec["targets"]
    )
    outcome = spec.get("outcome") or {}
    window = spec.get("window")
    return Change(
        record=record,
        title=spec["title"],
        type=spec["type"],
        requester=spec["requester"],
        targets=targets,
        window=_window(window, ("spec", "window")) if window else None,
        implementation_plan=spec.get("implementationPlan", ""),
        rollback_plan=spec.get("rollbackPlan", ""),
        test_plan=spec.get("testPlan", ""),
        status=spec["status"],
        template=spec.get("template"),
        outcome=outcome,
        pir=spec.get("pir"),
        actual_start=_timestamp(outcome, ("spec", "outcome"), "actualStart"),
        actual_end=_timestamp(outcome, ("spec", "outcome"), "actualEnd"),
        description=spec.get("description", ""),
    )


def build_policy(record: Record) -> Policy:
    spec = record.spec
    rules = []
    for index, item in enumerate(spec.get("rules") or ()):
        match = item.get("match") or {}
        rules.append(
            PolicyRule(
                id=item["id"],
                description=item.get("description", ""),
                severity=item.get("severity", "error"),
                kinds=tuple(match.get("kinds") or ()),
                names=tuple(match.get("names") or ()),
                labels=written_labels(match.get("labels")),
                when=item.get("when"),
                assertion=item["assert"],
                message=item["message"],
                field=item.get("field"),
                index=index,
            )
        )
    approvals = []
    for index, item in enumerate(spec.get("approvals") or ()):
        approvals.append(
            ApprovalRequirement(
                id=item["id"],
                description=item.get("description", ""),
                when=item.get("when"),
                require=tuple(
                    ApprovalRule(rule.get("team"), bool(rule.get("owners")), rule.get("count", 1))
                    for rule in item["require"]
                ),
                allow_self_approval=bool(item.get("allowSelfApproval", False)),
                index=index,
            )
        )
    evidence = spec.get("evidence") or {}
    return Policy(
        record,
        tuple(rules),
        tuple(approvals),
        dict(spec.get("riskWeights") or {}),
        frozenset(str(writer).lower() for writer in evidence.get("writers") or ()),
        bool(evidence.get("requireSigned", False)),
        spec.get("owner"),
    )


def build_freeze(record: Record) -> Freeze:
    spec = record.spec
    window = _window(spec, ("spec",))
    assert window is not None  # start and end are required by the schema
    scope = spec.get("scope") or {}
    return Freeze(
        record=record,
        window=window,
        reason=spec.get("reason", ""),
        scope=FreezeScope(
            services=frozenset(scope.get("services") or ()),
            cis=frozenset(scope.get("cis") or ()),
            labels=written_labels(scope.get("labels")),
            tiers=frozenset(scope.get("tiers") or ()),
        ),
        allowed_types=frozenset(spec.get("allowedTypes") or ()),
        owner=spec.get("owner"),
    )


def build_standard_change(record: Record) -> StandardChange:
    spec = record.spec
    allowed = spec["allowedTargets"]
    duration = spec.get("maxDuration")
    return StandardChange(
        record=record,
        owner=spec["owner"],
        services=frozenset(allowed.get("services") or ()),
        cis=frozenset(allowed.get("cis") or ()),
        ci_types=frozenset(allowed.get("ciTypes") or ()),
        tiers=frozenset(allowed.get("tiers") or ()),
        labels=written_labels(allowed.get("labels")),
        max_risk=spec["maxRisk"],
        required_fields=tuple(spec.get("requiredFields") or ()),
        max_duration=_duration(duration, ("spec", "maxDuration")) if duration else None,
    )


def build_incident(record: Record) -> Incident:
    spec = record.spec
    impact = spec["impact"]
    opened = _timestamp(spec, ("spec",), "opened")
    assert opened is not None
    resolved = _timestamp(spec, ("spec",), "resolved")
    impact_start = _timestamp(impact, ("spec", "impact"), "start") or opened
    impact_end = _timestamp(impact, ("spec", "impact"), "end") or resolved
    return Incident(
        record=record,
        title=spec["title"],
        priority=spec["priority"],
        services=tuple(spec["services"]),
        cis=tuple(spec.get("cis") or ()),
        impact_kind=impact["kind"],
        customer_facing=bool(impact.get("customerFacing", False)),
        opened=opened,
        acknowledged=_timestamp(spec, ("spec",), "acknowledged"),
        resolved=resolved,
        status=spec["status"],
        caused_by=spec.get("causedBy"),
        problem=spec.get("problem"),
        summary=spec.get("summary", ""),
        impact_start=impact_start,
        impact_end=impact_end,
    )


def build_problem(record: Record) -> Problem:
    spec = record.spec
    return Problem(
        record,
        spec["title"],
        spec["status"],
        spec["owner"],
        tuple(spec.get("services") or ()),
        tuple(spec.get("incidents") or ()),
        spec.get("fix"),
    )


def build_request_type(record: Record) -> RequestType:
    spec = record.spec
    target = spec.get("targetTime")
    return RequestType(
        record=record,
        title=spec["title"],
        service=spec.get("service"),
        fulfilment=spec["fulfilment"],
        sla=spec.get("sla"),
        priority=spec.get("priority", "P4"),
        target_time=_duration(target, ("spec", "targetTime")) if target else None,
        standard_change=spec.get("standardChange"),
        requesters=tuple(spec.get("requesters") or ()),
    )


def build_knowledge_article(record: Record) -> KnowledgeArticle:
    spec = record.spec
    try:
        review = date.fromisoformat(spec["reviewDate"])
    except ValueError:
        raise FieldError(("spec", "reviewDate"), f"{spec['reviewDate']!r} is not a valid date") from None
    return KnowledgeArticle(
        record,
        tuple(spec.get("services") or ()),
        tuple(spec.get("tags") or ()),
        spec["owner"],
        review,
        spec.get("body", ""),
    )


BUILDERS = {
    "Team": build_team,
    "Service": build_service,
    "ConfigurationItem": build_ci,
    "SLA": build_sla,
    "Change": build_change,
    "Policy": build_policy,
    "Freeze": build_freeze,
    "StandardChange": build_standard_change,
    "Incident": build_incident,
    "Problem": build_problem,
    "RequestType": build_request_type,
    "KnowledgeArticle": build_knowledge_article,
}


pickle_by_constructor(
    MaintenanceWindow,
    Team,
    Service,
    Redundancy,
    ConfigurationItem,
    SupportHours,
    SLA,
    Target,
    Window,
    Change,
    PolicyRule,
    ApprovalRule,
    ApprovalRequirement,
    Policy,
    FreezeScope,
    Freeze,
    StandardChange,
    Interval,
    Incident,
    Problem,
    RequestType,
    KnowledgeArticle,
)

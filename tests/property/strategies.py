"""Hypothesis strategies for valid ITSM repositories, and their YAML files.

A ``RepoSpec`` is the generator's own description of a repository: teams,
SLAs, a random DAG of services and CIs (edges only point to nodes generated
earlier, so there is never a cycle), changes whose status, window, outcome and
review fit the lifecycle, and freezes. ``files()`` renders it as real YAML
documents spread over several files; the tests load those through the real
loader and compare what itsmctl computes with what the spec says (see
``reference.py`` for the independent computations).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from hypothesis import strategies as st

API = "itsm/v1"
# The EU switches to summer time on 28 March 2027: windows around it cross the change.
BASE = datetime(2027, 3, 26, 0, 0, tzinfo=UTC)
SLOT = timedelta(minutes=30)
SLOTS = 240  # five days of half-hour slots: enough overlap between changes to be interesting
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "Australia/Lord_Howe")
CI_TYPES = ("host", "vm", "container", "cluster", "database", "cache", "queue", "storage", "network", "loadbalancer")
TYPES = ("standard", "normal", "emergency")
SCHEDULED = frozenset({"requested", "approved", "scheduled", "in-progress"})
AUTHORISED = frozenset({"approved", "scheduled", "in-progress"})
CLOSED_WITH_OUTCOME = frozenset({"completed", "failed", "rolled-back"})
STATUSES = ("draft", *sorted(SCHEDULED), *sorted(CLOSED_WITH_OUTCOME), "cancelled")
TEMPLATE = "any-target"

ROLLBACK_PLANS = (
    None,
    "Revert the release.",
    "Redeploy the previous release from the artifact store, restart every node in order and confirm the version.",
)
TEST_PLANS = (
    None,
    "Smoke tests.",
    "Run the smoke test suite and watch the error rate and latency dashboards for fifteen minutes.",
)


def render_time(moment: datetime, zone: str, style: int) -> str:
    """One instant written the ways people write it: local offsets, Z, a space, no seconds, no colon."""
    local = moment.astimezone(ZoneInfo(zone))
    if style == 1:
        return local.isoformat(sep=" ", timespec="minutes")
    if style == 2:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == 3:
        return local.strftime("%Y-%m-%dT%H:%M%z")
    return local.isoformat(timespec="seconds")


@dataclass(frozen=True)
class Stamp:
    """An instant (UTC) and how it is written in the file."""

    moment: datetime
    zone: str = "UTC"
    style: int = 0

    @property
    def text(self) -> str:
        return render_time(self.moment, self.zone, self.style)


@dataclass(frozen=True)
class Interval:
    start: Stamp
    end: Stamp

    def overlaps(self, other: Interval) -> bool:
        return self.start.moment < other.end.moment and other.start.moment < self.end.moment

    def contains(self, other: Interval) -> bool:
        return self.start.moment <= other.start.moment and other.end.moment <= self.end.moment

    def to_yaml(self) -> dict[str, str]:
        return {"start": self.start.text, "end": self.end.text}


@dataclass(frozen=True)
class NodeSpec:
    kind: str  # "service" | "ci"
    name: str
    owner: str
    depends_on: tuple[str, ...]
    tier: int | None = None
    sla: str | None = None
    ci_type: str = "host"
    redundancy: tuple[int, int] | None = None  # (replicas, minAvailable)
    maintenance: tuple[tuple[str, str, str], ...] = ()  # (rrule, duration, timezone)

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.name}"

    def document(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"owner": self.owner}
        if self.kind == "service":
            spec.update(tier=self.tier, lifecycle="production")
            if self.sla:
                spec["sla"] = self.sla
            kind = "Service"
        else:
            spec.update(type=self.ci_type, environment="production")
            if self.redundancy:
                spec["redundancy"] = {"replicas": self.redundancy[0], "minAvailable": self.redundancy[1]}
            kind = "ConfigurationItem"
        if self.depends_on:
            spec["dependsOn"] = list(self.depends_on)
        if self.maintenance:
            spec["maintenanceWindows"] = [
                {"rrule": rule, "duration": duration, "timezone": zone} for rule, duration, zone in self.maintenance
            ]
        return {"apiVersion": API, "kind": kind, "metadata": {"name": self.name}, "spec": spec}


@dataclass(frozen=True)
class ChangeSpec:
    name: str
    type: str
    status: str
    requester: str
    targets: tuple[tuple[str, int | None], ...]  # (ref, replicas taken down at once or None)
    window: Interval | None
    rollback_plan: str | None = ROLLBACK_PLANS[2]
    test_plan: str | None = TEST_PLANS[2]
    outcome: Interval | None = None
    pir: bool = False

    @property
    def target_refs(self) -> tuple[str, ...]:
        return tuple(ref for ref, _ in self.targets)

    def document(self) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "title": f"Property change {self.name}",
            "type": self.type,
            "requester": self.requester,
            "status": self.status,
            "targets": [
                ref if replicas is None else {"ref": ref, "replicas": replicas} for ref, replicas in self.targets
            ],
        }
        if self.type == "standard":
            spec["template"] = f"standard:{TEMPLATE}"
        if self.window is not None:
            spec["window"] = self.window.to_yaml()
        spec["implementationPlan"] = "Drain one node at a time, upgrade it and put it back into the pool."
        if self.rollback_plan is not None:
            spec["rollbackPlan"] = self.rollback_plan
        if self.test_plan is not None:
            spec["testPlan"] = self.test_plan
        if self.outcome is not None:
            spec["outcome"] = {
                "summary": f"Closed as {self.status}.",
                "actualStart": self.outcome.start.text,
                "actualEnd": self.outcome.end.text,
            }
        if self.pir:
            spec["pir"] = {"summary": "Reviewed at the weekly post-implementation review."}
        return {"apiVersion": API, "kind": "Change", "metadata": {"name": self.name}, "spec": spec}


@dataclass(frozen=True)
class FreezeSpec:
    name: str
    window: Interval
    allowed_types: tuple[str, ...]
    tiers: tuple[int, ...] = ()  # empty: the freeze covers everything

    def document(self) -> dict[str, Any]:
        spec: dict[str, Any] = {**self.window.to_yaml(), "reason": "Property freeze"}
        if self.tiers:
            spec["scope"] = {"tiers": list(self.tiers)}
        if self.allowed_types:
            spec["allowedTypes"] = list(self.allowed_types)
        return {"apiVersion": API, "kind": "Freeze", "metadata": {"name": self.name}, "spec": spec}


@dataclass(frozen=True)
class RepoSpec:
    teams: tuple[tuple[str, tuple[str, ...]], ...]
    slas: tuple[tuple[str, float], ...]
    nodes: tuple[NodeSpec, ...]
    changes: tuple[ChangeSpec, ...] = ()
    freezes: tuple[FreezeSpec, ...] = ()
    # How many files each folder's records are spread over (documents are dealt round-robin).
    spread: int = 1

    def node(self, ref: str) -> NodeSpec:
        return next(node for node in self.nodes if node.ref == ref)

    def change(self, name: str) -> ChangeSpec:
        return next(change for change in self.changes if change.name == name)

    def with_change(self, updated: ChangeSpec) -> RepoSpec:
        others = tuple(c for c in self.changes if c.name != updated.name)
        return replace(self, changes=(*others, updated))

    def documents(self) -> dict[str, list[dict[str, Any]]]:
        teams = [
            {"apiVersion": API, "kind": "Team", "metadata": {"name": name}, "spec": {"members": list(members)}}
            for name, members in self.teams
        ]
        slas = [
            {
                "apiVersion": API,
                "kind": "SLA",
                "metadata": {"name": name},
                "spec": {"availability": availability, "response": {"P1": "15m"}, "resolution": {"P1": "4h"}},
            }
            for name, availability in self.slas
        ]
        template = {
            "apiVersion": API,
            "kind": "StandardChange",
            "metadata": {"name": TEMPLATE},
            "spec": {
                "owner": f"team:{self.teams[0][0]}",
                "allowedTargets": {"tiers": [1, 2, 3, 4], "ciTypes": list(CI_TYPES)},
                "maxRisk": "critical",
            },
        }
        return {
            "catalog/org": [*teams, *slas, template],
            "catalog/cmdb": [node.document() for node in self.nodes],
            "catalog/freezes": [freeze.document() for freeze in self.freezes],
            "changes/2027/batch": [change.document() for change in self.changes],
        }

    def files(self) -> dict[str, str]:
        """Relative path -> YAML text, several documents to a file."""
        files: dict[str, str] = {}
        for stem, documents in self.documents().items():
            buckets: list[list[dict[str, Any]]] = [[] for _ in range(self.spread)]
            for index, document in enumerate(documents):
                buckets[index % self.spread].append(document)
            for index, bucket in enumerate(buckets):
                if bucket:
                    files[f"{stem}-{index}.yaml"] = yaml.safe_dump_all(bucket, sort_keys=False)
        return files

    def write(self, root: Path) -> Path:
        root.mkdir(parents=True, exist_ok=True)
        for name, text in self.files().items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return root

    def sources(self) -> list[tuple[str, bytes]]:
        return [(name, text.encode("utf-8")) for name, text in self.files().items()]


def stamps(moment: datetime) -> st.SearchStrategy[Stamp]:
    return st.builds(Stamp, st.just(moment), st.sampled_from(ZONES), st.integers(0, 3))


@st.composite
def intervals(draw: st.DrawFn, first: int = 0, last: int = SLOTS, longest: int = 20) -> Interval:
    """A window of positive length on the half-hour grid, each end written in its own zone and style."""
    start = BASE + SLOT * draw(st.integers(first, last))
    end = start + SLOT * draw(st.integers(1, longest))
    return Interval(draw(stamps(start)), draw(stamps(end)))


MAINTENANCE = st.tuples(
    st.sampled_from(("FREQ=WEEKLY;BYDAY=SA;BYHOUR=22;BYMINUTE=0", "FREQ=DAILY;BYHOUR=1;BYMINUTE=0")),
    st.sampled_from(("2h", "4h", "7h")),
    st.sampled_from(("UTC", "Europe/Berlin", "America/New_York")),
)


@st.composite
def cmdbs(draw: st.DrawFn, max_nodes: int = 12, teams: tuple[str, ...] = ("ops",)) -> tuple[NodeSpec, ...]:
    """A random DAG of services and CIs: node i only depends on nodes drawn before it."""
    count = draw(st.integers(1, max_nodes))
    kinds = draw(st.lists(st.sampled_from(("service", "ci")), min_size=count, max_size=count))
    # Names are a permutation, so the generation order never shows in the names or file order.
    labels = draw(st.permutations(range(count)))
    nodes: list[NodeSpec] = []
    for index in range(count):
        kind = kinds[index]
        name = f"{'svc' if kind == 'service' else 'node'}-{labels[index]}"
        parents = draw(st.lists(st.integers(0, index - 1), max_size=3, unique=True)) if index else []
        common = {
            "kind": kind,
            "name": name,
            "owner": f"team:{draw(st.sampled_from(teams))}",
            "depends_on": tuple(nodes[p].ref for p in parents),
            "maintenance": tuple(draw(st.lists(MAINTENANCE, max_size=1))),
        }
        if kind == "service":
            tier = draw(st.integers(1, 4))
            sla = (
                draw(st.sampled_from(("sla:gold", "sla:silver")))
                if tier <= 2
                else draw(st.sampled_from((None, "sla:silver")))
            )
            nodes.append(NodeSpec(**common, tier=tier, sla=sla))
        else:
            redundancy = None
            if draw(st.booleans()):
                # sampled_from, not integers: Hypothesis favours 1, and 1 replica has no loss to tolerate.
                replicas = draw(st.sampled_from(range(1, 6)))
                redundancy = (replicas, draw(st.sampled_from(range(1, replicas + 1))))
            nodes.append(NodeSpec(**common, ci_type=draw(st.sampled_from(CI_TYPES)), redundancy=redundancy))
    return tuple(nodes)


@st.composite
def change_specs(
    draw: st.DrawFn,
    nodes: tuple[NodeSpec, ...],
    index: int,
    people: tuple[str, ...],
    last: int = SLOTS,
    statuses: tuple[str, ...] = STATUSES,
) -> ChangeSpec:
    """A change whose fields fit its status: drafts may lack a window, closed ones carry an outcome."""
    status = draw(st.sampled_from(statuses))
    kind = draw(st.sampled_from(TYPES))
    chosen = draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=3, unique_by=lambda n: n.ref))
    targets = []
    for node in chosen:
        replicas = None
        if node.redundancy is not None and draw(st.booleans()):
            replicas = draw(st.integers(1, node.redundancy[0]))
        targets.append((node.ref, replicas))
    window = draw(intervals(last=last)) if status not in ("draft", "cancelled") or draw(st.booleans()) else None
    outcome = None
    if status in CLOSED_WITH_OUTCOME:
        assert window is not None
        begin = window.start.moment + SLOT * draw(st.integers(0, 2))
        outcome = Interval(draw(stamps(begin)), draw(stamps(begin + SLOT * draw(st.integers(1, 6)))))
    return ChangeSpec(
        name=f"chg-{(BASE + timedelta(days=index // 16)):%Y%m%d}-{index:04x}",
        type=kind,
        status=status,
        requester=draw(st.sampled_from(people)),
        targets=tuple(targets),
        window=window,
        rollback_plan=draw(st.sampled_from(ROLLBACK_PLANS)),
        test_plan=draw(st.sampled_from(TEST_PLANS)),
        outcome=outcome,
        # The lifecycle asks for a review before an emergency change is closed.
        pir=kind == "emergency" and status in CLOSED_WITH_OUTCOME,
    )


def _blocked(change: ChangeSpec, freezes: tuple[FreezeSpec, ...]) -> bool:
    """Whether a freeze might stop the change (any overlap in time counts, whatever the scope)."""
    window = change.window
    return window is not None and any(window.overlaps(f.window) and change.type not in f.allowed_types for f in freezes)


@st.composite
def repositories(
    draw: st.DrawFn,
    max_nodes: int = 12,
    min_changes: int = 0,
    max_changes: int = 8,
    max_freezes: int = 2,
    last: int = SLOTS,
    statuses: tuple[str, ...] = STATUSES,
) -> RepoSpec:
    """A repository that ``itsmctl validate`` must accept without an error.

    ``last`` is the latest half-hour slot a change window may start in: fewer slots, more overlaps;
    ``statuses`` are those changes are drawn from.
    """
    team_names = ("ops", "data", "cab")[: draw(st.integers(1, 3))]
    teams = tuple((name, tuple(f"{name}{k}" for k in range(1, draw(st.integers(1, 3)) + 1))) for name in team_names)
    people = tuple(member for _, members in teams for member in members)
    nodes = draw(cmdbs(max_nodes, team_names))
    freezes = tuple(
        FreezeSpec(
            f"freeze-{i}",
            draw(intervals(last=last, longest=48)),
            tuple(draw(st.lists(st.sampled_from(TYPES), unique=True, max_size=2))),
            tuple(draw(st.lists(st.integers(1, 4), unique=True, max_size=2))),
        )
        for i in range(draw(st.integers(0, max_freezes)))
    )
    changes = []
    for index in range(draw(st.integers(min_changes, max_changes))):
        change = draw(change_specs(nodes, index, people, last, statuses))
        if change.status in AUTHORISED and _blocked(change, freezes):
            # An authorised change inside a freeze that forbids its type is an error; while
            # it is only requested, validate warns. Keep the repository valid.
            change = replace(change, status="requested")
        changes.append(change)
    return RepoSpec(
        teams=teams,
        slas=(("gold", draw(st.sampled_from((99.95, 99.99)))), ("silver", draw(st.sampled_from((99.5, 99.9))))),
        nodes=nodes,
        changes=tuple(changes),
        freezes=freezes,
        spread=draw(st.integers(1, 3)),
    )

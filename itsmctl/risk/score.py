"""Explainable change risk: impact x likelihood, every point with its reason.

Impact (0..10) sums the impact factors of the blast radius; likelihood (0..10)
sums the likelihood factors of the change itself. The score is
``round(max(1, impact) * max(1, likelihood))`` (1..100) and the level comes from
the ``level.*`` thresholds. Each side also falls into one of five classes
(``1 + score // 2``), which is the cell of the familiar 5x5 risk matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from itsmctl.graph.impact import BlastRadius
from itsmctl.model.kinds import Change
from itsmctl.model.plans import plan_quality
from itsmctl.risk.conflicts import Conflict
from itsmctl.risk.freezes import FreezeHit
from itsmctl.risk.history import PastOutcome, decay
from itsmctl.risk.planning import Planning

IMPACT_LABELS = ("negligible", "minor", "moderate", "major", "severe")
LIKELIHOOD_LABELS = ("rare", "unlikely", "possible", "likely", "almost certain")
LEVELS = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class Factor:
    id: str
    points: float
    reason: str


@dataclass
class RiskAssessment:
    change: Change
    impact: list[Factor]
    likelihood: list[Factor]
    radius: BlastRadius
    conflicts: list[Conflict]
    freeze_hits: list[FreezeHit]
    outside_maintenance: list[str]
    history: list[PastOutcome]
    thresholds: dict[str, float] = field(default_factory=dict)

    @property
    def impact_score(self) -> float:
        return _clamp(sum(f.points for f in self.impact), 0, 10)

    @property
    def likelihood_score(self) -> float:
        return _clamp(sum(f.points for f in self.likelihood), 0, 10)

    @property
    def score(self) -> int:
        return int(round(max(1.0, self.impact_score) * max(1.0, self.likelihood_score)))

    @property
    def level(self) -> str:
        score = self.score
        if score >= self.thresholds["level.critical"]:
            return "critical"
        if score >= self.thresholds["level.high"]:
            return "high"
        if score >= self.thresholds["level.medium"]:
            return "medium"
        return "low"

    @property
    def impact_class(self) -> int:
        return min(5, 1 + int(self.impact_score // 2))

    @property
    def likelihood_class(self) -> int:
        return min(5, 1 + int(self.likelihood_score // 2))

    @property
    def factors(self) -> list[Factor]:
        return [*self.impact, *self.likelihood]


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _r(value: float) -> float:
    return round(value, 2)


def _impact_factors(planning: Planning, radius: BlastRadius) -> list[Factor]:
    w = planning.weights
    graph = planning.graph
    services = radius.nodes(graph, "service")
    cis = radius.nodes(graph, "ci")
    factors = []
    count = len(services)
    points = min(4.0, w["impact.services"] * math.log2(1 + count))
    factors.append(
        Factor(
            "impact.services",
            _r(points),
            f"{count} service(s) in the blast radius: log2(1 + {count}) x {w['impact.services']:g}",
        )
    )
    tiers = [s.tier for s in services if s.tier is not None]
    if tiers:
        top = min(tiers)
        names = ", ".join(s.ref for s in services if s.tier == top)
        factors.append(Factor("impact.tier", w[f"impact.tier.{top}"], f"tier {top} reached: {names}"[:240]))
    else:
        factors.append(Factor("impact.tier", 0.0, "no service reached"))
    facing = [s.ref for s in services if s.customer_facing]
    factors.append(
        Factor(
            "impact.customer-facing",
            w["impact.customer-facing"] if facing else 0.0,
            f"customer-facing: {', '.join(facing)}"[:240] if facing else "no customer-facing service reached",
        )
    )
    tightest = None
    for service in services:
        sla = planning.catalog.typed(service.sla) if service.sla else None
        availability = getattr(sla, "availability", None)
        if availability is not None and (tightest is None or availability > tightest[0]):
            tightest = (availability, service.sla, service.ref)
    if tightest is None:
        factors.append(Factor("impact.sla", 0.0, "no SLA in the blast radius"))
    else:
        availability, sla_ref, via = tightest
        multiplier = (
            2.0 if availability >= 99.99 else 1.5 if availability >= 99.95 else 1.0 if availability >= 99.9 else 0.5
        )
        factors.append(
            Factor(
                "impact.sla", _r(multiplier * w["impact.sla"]), f"tightest SLA {sla_ref} ({availability:g}%) via {via}"
            )
        )
    ci_points = min(1.0, w["impact.cis"] * math.log2(1 + len(cis)))
    factors.append(Factor("impact.cis", _r(ci_points), f"{len(cis)} CI(s) in the blast radius"))
    for absorbed in radius.absorbed:
        factors.append(Factor("impact.redundancy", 0.0, absorbed.reason))
    for ref in radius.assumed_full:
        factors.append(
            Factor(
                "impact.redundancy",
                0.0,
                f"{ref} is redundant but the change does not say how many replicas it takes down; assuming all",
            )
        )
    return factors


def _plan_factor(change: Change, which: str, text: str, planning: Planning) -> Factor:
    w = planning.weights
    quality = plan_quality(text, thin_below=80 if which == "rollback" else 60)
    name = "rollback plan" if which == "rollback" else "test plan"
    if quality == "missing":
        return Factor(f"likelihood.{which}", w[f"likelihood.{which}.missing"], f"no {name} (or only a placeholder)")
    if quality == "thin":
        return Factor(
            f"likelihood.{which}", w[f"likelihood.{which}.thin"], f"{name} is thin ({len(text.strip())} characters)"
        )
    return Factor(f"likelihood.{which}", 0.0, f"{name} present ({len(text.strip())} characters)")


def _window_factor(change: Change, planning: Planning) -> Factor:
    w = planning.weights
    if change.window is None:
        return Factor("likelihood.window", w["likelihood.window.missing"], "no window planned")
    hours = change.window.length.total_seconds() / 3600
    points = min(2.0, max(0.0, hours - 4) * w["likelihood.window.long"])
    return Factor("likelihood.window", _r(points), f"window of {hours:g} h" + (" (over 4 h)" if hours > 4 else ""))


def _history_factor(change: Change, planning: Planning, entries: list[PastOutcome]) -> Factor:
    w = planning.weights
    if not entries:
        return Factor("likelihood.history", 0.0, "no past changes on these targets")
    reference = change.window.start if change.window else planning.now
    half_life = w["history.half-life-days"]
    failure = success = 0.0
    counts = {"completed": 0, "failed": 0, "rolled-back": 0}
    incidents: list[str] = []
    for entry in entries:
        weight = decay((reference - entry.ended).total_seconds() / 86400, half_life)
        if entry.outcome == "incident":
            incidents.append(f"{entry.priority} {entry.incident} (caused by {entry.change})")
            failure += weight * w[f"likelihood.history.incident.{entry.priority}"]
            continue
        counts[entry.outcome] += 1
        if entry.outcome == "failed":
            failure += weight * w["likelihood.history.failure"]
        elif entry.outcome == "rolled-back":
            failure += weight * w["likelihood.history.rollback"]
        else:
            success += weight * w["likelihood.history.success"]
    points = min(3.0, failure) - min(2.0, success)
    parts = [f"{n} {outcome}" for outcome, n in counts.items() if n]
    if incidents:
        parts.append(f"incidents {', '.join(incidents)}")
    summary = ", ".join(parts)
    return Factor(
        "likelihood.history",
        _r(points),
        f"{summary} on these targets before; decayed: +{failure:.2f} for failures, -{success:.2f} for successes "
        f"(half-life {half_life:g} days)",
    )


def _likelihood_factors(
    change: Change,
    planning: Planning,
    conflicts: list[Conflict],
    hits: list[FreezeHit],
    outside: list[str],
    undeclared: list[str],
    history: list[PastOutcome],
) -> list[Factor]:
    w = planning.weights
    factors = [Factor("likelihood.type", w[f"likelihood.type.{change.type}"], f"{change.type} change")]
    factors.append(_plan_factor(change, "rollback", change.rollback_plan, planning))
    factors.append(_plan_factor(change, "test", change.test_plan, planning))
    factors.append(_window_factor(change, planning))
    if outside:
        factors.append(
            Factor(
                "likelihood.maintenance",
                w["likelihood.maintenance"],
                f"outside the maintenance windows of {', '.join(outside)}",
            )
        )
    elif change.window is not None and len(undeclared) < len(change.targets):
        factors.append(Factor("likelihood.maintenance", 0.0, "inside the targets' maintenance windows"))
    else:
        factors.append(Factor("likelihood.maintenance", 0.0, "no target declares maintenance windows"))
    violations = [hit for hit in hits if not hit.allowed]
    if violations:
        factors.append(Factor("likelihood.freeze", w["likelihood.freeze.violation"], violations[0].reason))
    elif hits:
        factors.append(Factor("likelihood.freeze", w["likelihood.freeze.allowed"], hits[0].reason))
    else:
        factors.append(Factor("likelihood.freeze", 0.0, "no freeze applies"))
    others = sorted({c.other for c in conflicts})
    points = min(3.0, w["likelihood.conflict"] * len(others))
    reason = f"overlaps {', '.join(others)}" if others else "no overlapping change on the same or dependent targets"
    factors.append(Factor("likelihood.conflict", _r(points), reason[:240]))
    factors.append(_history_factor(change, planning, history))
    return factors


def assess(change: Change, planning: Planning) -> RiskAssessment:
    radius = planning.radius(change)
    conflicts = planning.conflicts(change)
    hits = planning.freeze_hits(change)
    outside, undeclared = planning.outside_maintenance(change)
    reference = change.window.start if change.window else planning.now
    history = planning.history.relevant(change.target_refs, reference, exclude=change.name)
    thresholds = {key: planning.weights[key] for key in ("level.medium", "level.high", "level.critical")}
    return RiskAssessment(
        change=change,
        impact=_impact_factors(planning, radius),
        likelihood=_likelihood_factors(change, planning, conflicts, hits, outside, undeclared, history),
        radius=radius,
        conflicts=conflicts,
        freeze_hits=hits,
        outside_maintenance=outside,
        history=history,
        thresholds=thresholds,
    )

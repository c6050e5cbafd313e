"""The risk model's weights: documented defaults that a Policy can override.

Set ``spec.riskWeights`` in a Policy to change any of these by id, e.g.
``{likelihood.type.emergency: 5, level.critical: 70}``. README ("Risk model")
explains each one; ``itsmctl risk --weights`` prints the values in force.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_WEIGHTS: dict[str, float] = {
    # Impact (0..10): what the blast radius reaches.
    "impact.services": 1.0,  # points per doubling of impacted services: w * log2(1 + n), at most 4
    "impact.tier.1": 3.0,  # the most critical tier reached
    "impact.tier.2": 2.0,
    "impact.tier.3": 1.0,
    "impact.tier.4": 0.0,
    "impact.customer-facing": 1.5,  # a customer-facing service is reached
    "impact.sla": 1.0,  # x 2 (>= 99.99%), 1.5 (>= 99.95%), 1 (>= 99.9%), 0.5 (other) for the tightest SLA
    "impact.cis": 0.25,  # points per doubling of impacted CIs, at most 1
    # Likelihood (0..10): how likely the change is to go wrong.
    "likelihood.type.standard": 0.0,
    "likelihood.type.normal": 2.0,
    "likelihood.type.emergency": 4.0,
    "likelihood.rollback.missing": 3.0,
    "likelihood.rollback.thin": 1.5,  # under 80 characters
    "likelihood.test.missing": 2.0,
    "likelihood.test.thin": 1.0,  # under 60 characters
    "likelihood.window.missing": 1.0,
    "likelihood.window.long": 0.5,  # per hour beyond 4 hours, at most 2
    "likelihood.maintenance": 2.0,  # outside the maintenance windows of a target that declares some
    "likelihood.freeze.violation": 3.0,  # inside a freeze that does not allow the change's type
    "likelihood.freeze.allowed": 1.0,  # inside a freeze that allows it (emergency)
    "likelihood.conflict": 1.5,  # per overlapping change on the same or dependent targets, at most 3
    "likelihood.history.failure": 2.0,  # per failed past change on the targets (decayed), at most 3
    "likelihood.history.rollback": 1.5,  # per rolled-back past change (decayed)
    "likelihood.history.success": 0.2,  # subtracted per successful past change (decayed), at most 2
    "likelihood.history.incident.P1": 2.5,  # per incident a past change on the targets caused (decayed)
    "likelihood.history.incident.P2": 1.5,
    "likelihood.history.incident.P3": 0.75,
    "likelihood.history.incident.P4": 0.25,
    "history.half-life-days": 180.0,  # a past change's weight halves every this many days
    # Levels, by score (impact x likelihood, 1..100).
    "level.medium": 15.0,
    "level.high": 35.0,
    "level.critical": 60.0,
}


@dataclass(frozen=True)
class Weights:
    values: dict[str, float]
    # id -> the policy that overrode it, for explanations.
    sources: dict[str, str]

    def __getitem__(self, key: str) -> float:
        return self.values[key]


def merge_weights(overrides: list[tuple[str, dict[str, float]]]) -> tuple[Weights, list[str]]:
    """Apply each policy's overrides in turn; returns the weights and problems found."""
    values = dict(DEFAULT_WEIGHTS)
    sources: dict[str, str] = {}
    problems = []
    for policy, weights in overrides:
        for key, value in weights.items():
            if key not in DEFAULT_WEIGHTS:
                problems.append(f"policy {policy!r}: unknown risk weight {key!r}")
                continue
            if key in sources and values[key] != value:
                problems.append(
                    f"policy {policy!r} sets {key} to {value}, but policy {sources[key]!r} set {values[key]}"
                )
            values[key] = float(value)
            sources[key] = policy
    return Weights(values, sources), problems

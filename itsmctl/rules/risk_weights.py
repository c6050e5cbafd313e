"""A policy's ``riskWeights`` names an unknown weight, or contradicts another policy.

``itsmctl risk --weights`` lists every weight id with its value. When two
policies set the same weight, they must agree.

Failing example::

    apiVersion: itsm/v1
    kind: Policy
    metadata:
      name: risk-tuning
    spec:
      riskWeights:   # <-
        likelihood.type.emergncy: 5

Passing example::

    apiVersion: itsm/v1
    kind: Policy
    metadata:
      name: risk-tuning
    spec:
      riskWeights:
        likelihood.type.emergency: 5
"""

from __future__ import annotations

from collections.abc import Iterator

from itsmctl.findings import Finding, Severity
from itsmctl.risk.weights import merge_weights
from itsmctl.rules.base import CheckContext

ID = "risk-weights"
SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Finding]:
    overrides: list[tuple[str, dict[str, float]]] = []
    for policy in ctx.catalog.policies.values():
        if not policy.risk_weights:
            continue
        before = len(merge_weights(overrides)[1])
        overrides.append((policy.name, policy.risk_weights))
        for problem in merge_weights(overrides)[1][before:]:
            yield ctx.finding(
                ID,
                SEVERITY,
                policy.record,
                ("spec", "riskWeights"),
                problem,
                "run 'itsmctl risk --weights' for the list",
            )

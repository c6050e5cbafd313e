"""A tier 1 or tier 2 service has no SLA.

Critical services need a stated availability and response targets, or
incident priorities and change risk cannot be weighed against them.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice]
    ---
    apiVersion: itsm/v1
    kind: Service
    metadata:
      name: checkout
    spec:
      owner: team:payments
      tier: 1   # <-
      lifecycle: production

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice]
    ---
    apiVersion: itsm/v1
    kind: SLA
    metadata:
      name: gold
    spec:
      availability: 99.95
      response: {P1: 15m}
      resolution: {P1: 4h}
    ---
    apiVersion: itsm/v1
    kind: Service
    metadata:
      name: checkout
    spec:
      owner: team:payments
      tier: 1
      lifecycle: production
      sla: sla:gold
"""

from __future__ import annotations

from collections.abc import Iterator

from itsmctl.findings import Finding, Severity
from itsmctl.rules.base import CheckContext

ID = "tier-sla"
SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Finding]:
    for service in ctx.catalog.services.values():
        if service.tier <= 2 and not service.sla and service.lifecycle != "retired":
            yield ctx.finding(
                ID,
                SEVERITY,
                service.record,
                ("spec", "tier"),
                f"tier {service.tier} service {service.name!r} has no SLA",
                "add spec.sla: sla:NAME",
            )

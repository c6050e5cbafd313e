"""An incident's timestamps are out of order, or a resolved incident lacks them.

``opened`` <= ``acknowledged`` <= ``resolved``, and the impact window (when
given) inside or before that. An incident that is resolved or closed needs
``acknowledged`` and ``resolved``: without them no SLA report can measure it.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: ops
    spec:
      members: [alice]
    ---
    apiVersion: itsm/v1
    kind: Service
    metadata:
      name: shop
    spec:
      owner: team:ops
      tier: 3
      lifecycle: production
    ---
    apiVersion: itsm/v1
    kind: Incident
    metadata:
      name: inc-20261104-shop
    spec:
      title: Shop returned errors
      priority: P3
      services: [service:shop]
      impact: {kind: degraded}
      opened: "2026-11-04T10:00:00+01:00"
      acknowledged: "2026-11-04T09:50:00+01:00"   # <-
      resolved: "2026-11-04T11:00:00+01:00"
      status: resolved

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: ops
    spec:
      members: [alice]
    ---
    apiVersion: itsm/v1
    kind: Service
    metadata:
      name: shop
    spec:
      owner: team:ops
      tier: 3
      lifecycle: production
    ---
    apiVersion: itsm/v1
    kind: Incident
    metadata:
      name: inc-20261104-shop
    spec:
      title: Shop returned errors
      priority: P3
      services: [service:shop]
      impact: {kind: degraded}
      opened: "2026-11-04T10:00:00+01:00"
      acknowledged: "2026-11-04T10:05:00+01:00"
      resolved: "2026-11-04T11:00:00+01:00"
      status: resolved
"""

from __future__ import annotations

from collections.abc import Iterator

from itsmctl.findings import Finding, Severity
from itsmctl.rules.base import CheckContext

ID = "incident-timeline"
SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Finding]:
    for incident in ctx.catalog.incidents.values():
        record = incident.record
        if incident.status in ("resolved", "closed"):
            for field in ("acknowledged", "resolved"):
                if getattr(incident, field) is None:
                    yield ctx.finding(
                        ID,
                        SEVERITY,
                        record,
                        ("spec", "status"),
                        f"{incident.status} incident has no {field} time",
                        f"add spec.{field}",
                    )
        steps = [("opened", incident.opened), ("acknowledged", incident.acknowledged), ("resolved", incident.resolved)]
        present = [(name, moment) for name, moment in steps if moment is not None]
        for (before, first), (after, second) in zip(present, present[1:], strict=False):
            if second < first:
                yield ctx.finding(
                    ID,
                    SEVERITY,
                    record,
                    ("spec", after),
                    f"{after} ({second.isoformat()}) is before {before} ({first.isoformat()})",
                )
        if incident.impact_end is not None and incident.impact_end < incident.impact_start:
            yield ctx.finding(ID, SEVERITY, record, ("spec", "impact"), "the impact ends before it starts")

"""A P1 incident has had no problem record for too long.

Every P1 deserves a root-cause analysis: a Problem record (``spec.problem``
on the incident) within N days of the incident being opened. N is 5 unless a
Policy sets ``spec.settings.p1ProblemDays``. A warning, so the CAB notices
before the pattern repeats.

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
      name: inc-20200104-shop   # <-
    spec:
      title: Shop was down
      priority: P1
      services: [service:shop]
      impact: {kind: outage}
      opened: "2020-01-04T10:00:00+01:00"
      acknowledged: "2020-01-04T10:05:00+01:00"
      resolved: "2020-01-04T11:00:00+01:00"
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
    kind: Problem
    metadata:
      name: prb-shop-db-locks
    spec:
      title: Database lock contention takes the shop down
      status: known-error
      owner: team:ops
      incidents: [incident:inc-20200104-shop]
    ---
    apiVersion: itsm/v1
    kind: Incident
    metadata:
      name: inc-20200104-shop
    spec:
      title: Shop was down
      priority: P1
      services: [service:shop]
      impact: {kind: outage}
      opened: "2020-01-04T10:00:00+01:00"
      acknowledged: "2020-01-04T10:05:00+01:00"
      resolved: "2020-01-04T11:00:00+01:00"
      status: resolved
      problem: problem:prb-shop-db-locks
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from itsmctl.findings import Finding, Severity
from itsmctl.rules.base import CheckContext

ID = "p1-needs-problem"
SEVERITY = Severity.WARNING
DEFAULT_DAYS = 5


def check(ctx: CheckContext) -> Iterator[Finding]:
    days = DEFAULT_DAYS
    for policy in ctx.catalog.policies.values():
        settings = policy.record.spec.get("settings") or {}
        days = settings.get("p1ProblemDays", days)
    now = datetime.now(UTC)
    linked = {ref for problem in ctx.catalog.problems.values() for ref in problem.incidents}
    for incident in ctx.catalog.incidents.values():
        if incident.priority != "P1" or incident.problem or f"incident:{incident.name}" in linked:
            continue
        if now - incident.opened > timedelta(days=days):
            yield ctx.finding(
                ID,
                SEVERITY,
                incident.record,
                ("metadata", "name"),
                f"P1 incident {incident.name} has had no problem record for more than {days} days",
                "open a Problem for its root cause and link it with spec.problem",
            )

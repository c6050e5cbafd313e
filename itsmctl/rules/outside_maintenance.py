"""A scheduled change falls outside its targets' maintenance windows.

When a service or CI declares maintenance windows, changes to it are expected
inside one of them: users were told, on-call is staffed. A change window must
fit inside a single occurrence of one of the target's windows.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: dba
    spec:
      members: [alice, bob]
    ---
    apiVersion: itsm/v1
    kind: ConfigurationItem
    metadata:
      name: pg-orders
    spec:
      type: database
      owner: team:dba
      environment: production
      maintenanceWindows:
        - rrule: FREQ=WEEKLY;BYDAY=TU;BYHOUR=22;BYMINUTE=0
          duration: 4h
          timezone: Europe/Berlin
    ---
    apiVersion: itsm/v1
    kind: Change
    metadata:
      name: chg-20261209-aaaa
    spec:
      title: Upgrade PostgreSQL on pg-orders
      type: normal
      requester: alice
      status: requested
      targets: [ci:pg-orders]
      window:   # <-
        start: "2026-12-09T22:00:00+01:00"
        end: "2026-12-10T00:00:00+01:00"

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: dba
    spec:
      members: [alice, bob]
    ---
    apiVersion: itsm/v1
    kind: ConfigurationItem
    metadata:
      name: pg-orders
    spec:
      type: database
      owner: team:dba
      environment: production
      maintenanceWindows:
        - rrule: FREQ=WEEKLY;BYDAY=TU;BYHOUR=22;BYMINUTE=0
          duration: 4h
          timezone: Europe/Berlin
    ---
    apiVersion: itsm/v1
    kind: Change
    metadata:
      name: chg-20261208-aaaa
    spec:
      title: Upgrade PostgreSQL on pg-orders
      type: normal
      requester: alice
      status: requested
      targets: [ci:pg-orders]
      window:
        start: "2026-12-08T22:00:00+01:00"
        end: "2026-12-09T00:00:00+01:00"
"""

from __future__ import annotations

from collections.abc import Iterator

from itsmctl.findings import Finding, Severity
from itsmctl.risk.conflicts import SCHEDULED_STATUSES
from itsmctl.rules._planning import planning_of
from itsmctl.rules.base import CheckContext

ID = "outside-maintenance-window"
SEVERITY = Severity.WARNING


def check(ctx: CheckContext) -> Iterator[Finding]:
    planning = planning_of(ctx)
    for change in ctx.catalog.changes.values():
        if change.status not in SCHEDULED_STATUSES or change.window is None:
            continue
        outside, _ = planning.outside_maintenance(change)
        if outside:
            yield ctx.finding(
                ID,
                SEVERITY,
                change.record,
                ("spec", "window"),
                f"window is outside the maintenance windows of {', '.join(outside)}",
                "move it into a maintenance window, or say in the description why it cannot wait",
            )

"""Two scheduled changes overlap in time on the same or dependent targets.

Changes past draft (requested, approved, scheduled, in progress) hold a slot
in the schedule. When two of them overlap and one touches what the other
touches, or something that depends on it, neither team can tell which change
broke what. Reported on both changes; reschedule one or merge them.

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
      window:   # <-
        start: "2026-12-08T22:00:00+01:00"
        end: "2026-12-09T00:00:00+01:00"
    ---
    apiVersion: itsm/v1
    kind: Change
    metadata:
      name: chg-20261208-bbbb
    spec:
      title: Resize the pg-orders volume
      type: normal
      requester: bob
      status: requested
      targets: [ci:pg-orders]
      window:   # <-
        start: "2026-12-08T23:00:00+01:00"
        end: "2026-12-09T01:00:00+01:00"

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
    ---
    apiVersion: itsm/v1
    kind: Change
    metadata:
      name: chg-20261209-bbbb
    spec:
      title: Resize the pg-orders volume
      type: normal
      requester: bob
      status: requested
      targets: [ci:pg-orders]
      window:
        start: "2026-12-09T22:00:00+01:00"
        end: "2026-12-10T00:00:00+01:00"
"""

from __future__ import annotations

from collections.abc import Iterator

from itsmctl.findings import Finding, Severity
from itsmctl.rules._planning import planning_of
from itsmctl.rules.base import CheckContext

ID = "schedule-conflict"
SEVERITY = Severity.WARNING


def check(ctx: CheckContext) -> Iterator[Finding]:
    planning = planning_of(ctx)
    for change in ctx.catalog.changes.values():
        for conflict in planning.conflicts(change):
            yield ctx.finding(
                ID,
                SEVERITY,
                change.record,
                ("spec", "window"),
                f"window overlaps {conflict.other}: {conflict.reason}",
                "reschedule one of the changes, or combine them",
                other=conflict.other,
            )

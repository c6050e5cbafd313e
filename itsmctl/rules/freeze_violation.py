"""A change is scheduled inside a freeze that does not allow its type.

A freeze covers a change when their times overlap and the freeze's scope
matches a target or anything in the change's blast radius. Only the types in
the freeze's allowedTypes (typically emergency) may go ahead. A warning
while the change is only requested (CAB can still move it); an error once it
is approved, scheduled or in progress.

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
    kind: Freeze
    metadata:
      name: year-end
    spec:
      start: "2026-12-18T00:00:00+01:00"
      end: "2027-01-04T00:00:00+01:00"
      allowedTypes: [emergency]
    ---
    apiVersion: itsm/v1
    kind: Change
    metadata:
      name: chg-20261220-aaaa
    spec:
      title: Upgrade PostgreSQL on pg-orders
      type: normal
      requester: alice
      status: approved
      targets: [ci:pg-orders]
      window:   # <-
        start: "2026-12-20T22:00:00+01:00"
        end: "2026-12-21T00:00:00+01:00"

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
    kind: Freeze
    metadata:
      name: year-end
    spec:
      start: "2026-12-18T00:00:00+01:00"
      end: "2027-01-04T00:00:00+01:00"
      allowedTypes: [emergency]
    ---
    apiVersion: itsm/v1
    kind: Change
    metadata:
      name: chg-20270105-aaaa
    spec:
      title: Upgrade PostgreSQL on pg-orders
      type: normal
      requester: alice
      status: approved
      targets: [ci:pg-orders]
      window:
        start: "2027-01-05T22:00:00+01:00"
        end: "2027-01-06T00:00:00+01:00"
"""

from __future__ import annotations

from collections.abc import Iterator

from itsmctl.findings import Finding, Severity
from itsmctl.model.kinds import AUTHORISED_STATUSES
from itsmctl.risk.conflicts import SCHEDULED_STATUSES
from itsmctl.rules._planning import planning_of
from itsmctl.rules.base import CheckContext

ID = "freeze-violation"
SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Finding]:
    planning = planning_of(ctx)
    for change in ctx.catalog.changes.values():
        if change.status not in SCHEDULED_STATUSES:
            continue
        for hit in planning.freeze_hits(change):
            if hit.allowed:
                continue
            severity = SEVERITY if change.status in AUTHORISED_STATUSES else Severity.WARNING
            allowed = ", ".join(sorted(hit.freeze.allowed_types)) or "no change type"
            yield ctx.finding(
                ID,
                severity,
                change.record,
                ("spec", "window"),
                f"{change.type} change inside freeze {hit.freeze.name!r} (covers {hit.matched}); it allows {allowed}",
                "move the window outside the freeze",
                freeze=hit.freeze.name,
            )

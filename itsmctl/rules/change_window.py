"""A change past draft has no window.

Approvers, the schedule and the deploy gate all need to know when a change
happens. Drafts may leave the window out; a change that is requested (or
further along) may not, except when it was cancelled.

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
      tier: 3
      lifecycle: production
    ---
    apiVersion: itsm/v1
    kind: Change
    metadata:
      name: chg-20261201-a1b2
    spec:   # <-
      title: Upgrade the checkout database
      type: normal
      requester: alice
      status: requested
      targets: [service:checkout]

Passing example::

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
      tier: 3
      lifecycle: production
    ---
    apiVersion: itsm/v1
    kind: Change
    metadata:
      name: chg-20261201-a1b2
    spec:
      title: Upgrade the checkout database
      type: normal
      requester: alice
      status: requested
      targets: [service:checkout]
      window:
        start: "2026-12-01T22:00:00+01:00"
        end: "2026-12-01T23:00:00+01:00"
"""

from __future__ import annotations

from collections.abc import Iterator

from itsmctl.findings import Finding, Severity
from itsmctl.rules.base import CheckContext

ID = "change-window"
SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Finding]:
    for change in ctx.catalog.changes.values():
        if change.window is None and change.status not in ("draft", "cancelled"):
            yield ctx.finding(
                ID,
                SEVERITY,
                change.record,
                ("spec",),
                f"change {change.name!r} is {change.status} but has no window",
                "add spec.window with start and end",
            )

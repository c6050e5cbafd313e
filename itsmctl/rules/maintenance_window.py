"""A maintenance window's recurrence rule cannot be used.

Windows are RFC 5545 RRULEs (``FREQ=WEEKLY;BYDAY=TU;BYHOUR=22;BYMINUTE=0``)
with a duration and a time zone. FREQ must be YEARLY, MONTHLY, WEEKLY, DAILY
or HOURLY; put the first day in ``start`` rather than a DTSTART.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: dba
    spec:
      members: [alice]
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
        - rrule: FREQ=WEEKLY;BYDAY=XX   # <-
          duration: 4h

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: dba
    spec:
      members: [alice]
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
"""

from __future__ import annotations

from collections.abc import Iterator

from itsmctl.findings import Finding, Severity
from itsmctl.risk.windows import RuleError, parse_rule
from itsmctl.rules.base import CheckContext

ID = "maintenance-window"
SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Finding]:
    catalog = ctx.catalog
    for item in [*catalog.services.values(), *catalog.cis.values()]:
        for index, window in enumerate(item.maintenance_windows):
            try:
                parse_rule(window)
            except RuleError as error:
                yield ctx.finding(
                    ID,
                    SEVERITY,
                    item.record,
                    ("spec", "maintenanceWindows", index, "rrule"),
                    str(error),
                    "e.g. FREQ=WEEKLY;BYDAY=TU;BYHOUR=22;BYMINUTE=0",
                )

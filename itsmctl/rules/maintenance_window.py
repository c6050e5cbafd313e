"""A maintenance window's recurrence rule cannot be used.

Windows are RFC 5545 RRULEs (``FREQ=WEEKLY;BYDAY=TU;BYHOUR=22;BYMINUTE=0``)
with a duration and a time zone. FREQ must be YEARLY, MONTHLY, WEEKLY, DAILY
or HOURLY; put the first day in ``start`` rather than a DTSTART. A rule must
be able to open (not ``BYMONTH=2;BYMONTHDAY=30``), with INTERVAL from 1 to
1,000, values in their RFC 5545 ranges, no BYSECOND, and at most 20,000
occurrences a year.

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
from datetime import UTC, datetime

from itsmctl.findings import Finding, Severity
from itsmctl.risk.windows import RuleError, check_rule
from itsmctl.rules.base import CheckContext

ID = "maintenance-window"
SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Finding]:
    catalog = ctx.catalog
    # Checked as it will be used: occurrences of this year (dense or long-walking rules
    # show there), after the check that it opens at all.
    this_year = datetime.now(UTC).year
    for item in [*catalog.services.values(), *catalog.cis.values()]:
        for index, window in enumerate(item.maintenance_windows):
            try:
                check_rule(window, (this_year,))
            except RuleError as error:
                yield ctx.finding(
                    ID,
                    SEVERITY,
                    item.record,
                    ("spec", "maintenanceWindows", index, "rrule"),
                    str(error),
                    "e.g. FREQ=WEEKLY;BYDAY=TU;BYHOUR=22;BYMINUTE=0",
                )

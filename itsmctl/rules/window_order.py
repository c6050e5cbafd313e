"""A time window ends before (or when) it starts.

Applies to change windows, freezes, and the actual start and end recorded in a
change's outcome. Often a wrong UTC offset or swapped dates.

Failing example::

    apiVersion: itsm/v1
    kind: Freeze
    metadata:
      name: year-end
    spec:
      start: "2026-12-20T00:00:00+01:00"
      end: "2026-12-01T00:00:00+01:00"   # <-

Passing example::

    apiVersion: itsm/v1
    kind: Freeze
    metadata:
      name: year-end
    spec:
      start: "2026-12-20T00:00:00+01:00"
      end: "2027-01-04T00:00:00+01:00"
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from itsmctl.findings import Finding, Severity
from itsmctl.model.kinds import KeyPath
from itsmctl.model.record import Record
from itsmctl.rules.base import CheckContext

ID = "window-order"
SEVERITY = Severity.ERROR


def _check(
    ctx: CheckContext, record: Record, start: datetime | None, end: datetime | None, path: KeyPath, what: str
) -> Iterator[Finding]:
    if start is not None and end is not None and end <= start:
        yield ctx.finding(
            ID,
            SEVERITY,
            record,
            path,
            f"{what} ends at {end.isoformat()}, not after its start {start.isoformat()}",
            "check the dates and their UTC offsets",
        )


def check(ctx: CheckContext) -> Iterator[Finding]:
    for change in ctx.catalog.changes.values():
        if change.window is not None:
            yield from _check(
                ctx, change.record, change.window.start, change.window.end, ("spec", "window", "end"), "window"
            )
        yield from _check(
            ctx, change.record, change.actual_start, change.actual_end, ("spec", "outcome", "actualEnd"), "outcome"
        )
    for freeze in ctx.catalog.freezes.values():
        yield from _check(ctx, freeze.record, freeze.window.start, freeze.window.end, ("spec", "end"), "freeze")

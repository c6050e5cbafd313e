"""Two records of the same kind share a name.

Names are unique per kind, because references (``service:checkout``) must
point at exactly one record. A Service and a Team may share a name.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice]
    ---
    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments   # <-
    spec:
      members: [bob]

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice]
    ---
    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments-ops
    spec:
      members: [bob]
"""

from __future__ import annotations

from collections.abc import Iterator

from itsmctl.findings import Finding, Severity
from itsmctl.rules.base import CheckContext

ID = "duplicate-name"
SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Finding]:
    first = ctx.catalog.by_ref
    for record in ctx.catalog.records:
        if not record.name:
            continue
        original = first.get(record.ref)
        if original is not None and original is not record:
            where = ctx.locate(original, "metadata", "name")
            yield ctx.finding(
                ID,
                SEVERITY,
                record,
                ("metadata", "name"),
                f"{record.kind} {record.name!r} is already defined at {where}",
                "rename one of them; names are unique per kind",
            )

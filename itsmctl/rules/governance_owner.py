"""A Policy or Freeze has no owner, so anyone can loosen it in a pull request.

Policies decide which approvals every change needs and how risk is scored;
freezes stop changes at the times that matter most. Editing or removing a
record with ``spec.owner`` needs one approval from that team (as the base
branch has it), so a pull request cannot quietly delete a freeze or zero a
risk weight. A Policy or Freeze without an owner needs nobody's approval to
be changed: give it one (the CAB, or whoever answers for the rules). Once
some Policy has an owner, adding a new Policy needs that team too.

Failing example::

    apiVersion: itsm/v1
    kind: Freeze
    metadata:
      name: black-friday
    spec:   # <-
      start: "2026-11-27T00:00:00+01:00"
      end: "2026-11-30T23:59:00+01:00"

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: cab
    spec:
      members: [carol, dave]
    ---
    apiVersion: itsm/v1
    kind: Freeze
    metadata:
      name: black-friday
    spec:
      owner: team:cab
      start: "2026-11-27T00:00:00+01:00"
      end: "2026-11-30T23:59:00+01:00"
"""

from __future__ import annotations

from collections.abc import Iterator

from itsmctl.findings import Finding, Severity
from itsmctl.model.kinds import Freeze, Policy
from itsmctl.rules.base import CheckContext

ID = "governance-owner"
SEVERITY = Severity.WARNING


def check(ctx: CheckContext) -> Iterator[Finding]:
    records: list[Policy | Freeze] = [*ctx.catalog.policies.values(), *ctx.catalog.freezes.values()]
    for item in records:
        if item.owner is None:
            kind = item.record.kind
            yield ctx.finding(
                ID,
                SEVERITY,
                item.record,
                ("spec",),
                f"{kind} {item.name!r} has no owner, so a pull request can edit or remove it without anyone's approval",
                "set spec.owner to the team that answers for it (e.g. team:cab)",
            )

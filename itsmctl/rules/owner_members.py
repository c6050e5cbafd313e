"""A service's owner team has no members.

Someone must answer for every service: approve its changes, be paged for it.
An owner team with an empty member list means nobody does.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: []
    ---
    apiVersion: itsm/v1
    kind: Service
    metadata:
      name: checkout
    spec:
      owner: team:payments   # <-
      tier: 3
      lifecycle: production

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
"""

from __future__ import annotations

from collections.abc import Iterator

from itsmctl.findings import Finding, Severity
from itsmctl.model.kinds import Team
from itsmctl.rules.base import CheckContext

ID = "owner-members"
SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Finding]:
    for service in ctx.catalog.services.values():
        team = ctx.catalog.typed(service.owner)
        if isinstance(team, Team) and not team.members:
            yield ctx.finding(
                ID,
                SEVERITY,
                service.record,
                ("spec", "owner"),
                f"owner {service.owner} has no members, so nobody answers for {service.name!r}",
                f"add members to {service.owner}'s spec.members (GitHub logins, or e-mail addresses for Approved-by trailers)",
            )

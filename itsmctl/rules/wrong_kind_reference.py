"""A reference names a record of a kind that field does not accept.

A service is owned by a team, not by a CI; a change targets services and CIs,
not teams; a freeze's ``scope.services`` lists services.

Failing example::

    apiVersion: itsm/v1
    kind: ConfigurationItem
    metadata:
      name: pg-main
    spec:
      type: database
      owner: service:checkout   # <-
      environment: production

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
      name: pg-main
    spec:
      type: database
      owner: team:dba
      environment: production
"""

from __future__ import annotations

from collections.abc import Iterator

from itsmctl.findings import Finding, Severity
from itsmctl.model.references import reference_problems
from itsmctl.model.refs import KIND_OF_PREFIX
from itsmctl.rules.base import CheckContext

ID = "wrong-kind-reference"
SEVERITY = Severity.ERROR


def _kinds(prefixes: tuple[str, ...]) -> str:
    names = [f"a {KIND_OF_PREFIX[p]}" for p in prefixes]
    return " or ".join(names)


def check(ctx: CheckContext) -> Iterator[Finding]:
    _, wrong_kind = ctx.cached(
        "reference-problems", lambda: reference_problems(ctx.catalog.records, ctx.catalog.by_ref)
    )
    for record, reference in wrong_kind:
        yield ctx.finding(
            ID,
            SEVERITY,
            record,
            reference.path,
            f"{reference.field} must refer to {_kinds(reference.allowed)}, not {reference.target!r}",
            f"write {reference.allowed[0]}:NAME",
        )

"""A standard change does not name an existing template, or leaves it.

Standard changes are pre-approved: they skip CAB review because they follow a
StandardChange template. That only holds while the change stays inside it:
every target allowed by the template, the risk at most its ``maxRisk``, the
fields it requires filled in, the window no longer than ``maxDuration``.
Otherwise make it a normal change.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: platform
    spec:
      members: [alice, bob]
    ---
    apiVersion: itsm/v1
    kind: ConfigurationItem
    metadata:
      name: web-1
    spec:
      type: host
      owner: team:platform
      environment: production
    ---
    apiVersion: itsm/v1
    kind: ConfigurationItem
    metadata:
      name: pg-main
    spec:
      type: database
      owner: team:platform
      environment: production
    ---
    apiVersion: itsm/v1
    kind: StandardChange
    metadata:
      name: os-patch
    spec:
      owner: team:platform
      allowedTargets: {ciTypes: [host]}
      maxRisk: medium
    ---
    apiVersion: itsm/v1
    kind: Change
    metadata:
      name: chg-20261208-aaaa
    spec:
      title: Patch the database host
      type: standard
      template: standard:os-patch
      requester: alice
      status: requested
      targets: [ci:pg-main]   # <-
      window: {start: "2026-12-08T22:00:00+01:00", end: "2026-12-08T23:00:00+01:00"}

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: platform
    spec:
      members: [alice, bob]
    ---
    apiVersion: itsm/v1
    kind: ConfigurationItem
    metadata:
      name: web-1
    spec:
      type: host
      owner: team:platform
      environment: production
    ---
    apiVersion: itsm/v1
    kind: StandardChange
    metadata:
      name: os-patch
    spec:
      owner: team:platform
      allowedTargets: {ciTypes: [host]}
      maxRisk: medium
    ---
    apiVersion: itsm/v1
    kind: Change
    metadata:
      name: chg-20261208-aaaa
    spec:
      title: Patch the web host
      type: standard
      template: standard:os-patch
      requester: alice
      status: requested
      targets: [ci:web-1]
      window: {start: "2026-12-08T22:00:00+01:00", end: "2026-12-08T23:00:00+01:00"}
"""

from __future__ import annotations

from collections.abc import Iterator

from itsmctl.findings import Finding, Severity
from itsmctl.flow.templates import template_problems
from itsmctl.risk.score import assess
from itsmctl.rules._planning import planning_of
from itsmctl.rules.base import CheckContext

ID = "standard-change"
SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Finding]:
    for change in ctx.catalog.changes.values():
        if change.type != "standard" or change.status in ("cancelled",):
            continue
        _, problems = template_problems(
            change, ctx.catalog, lambda change=change: assess(change, planning_of(ctx)).level
        )
        for problem in problems:
            path: tuple[str | int, ...] = ("spec", "template")
            if " is not among the targets " in problem:
                ref = problem.split(" ", 1)[0]
                path = ("spec", "targets", change.target_refs.index(ref))
            yield ctx.finding(
                ID, SEVERITY, change.record, path, problem, "stay inside the template, or make it a normal change"
            )

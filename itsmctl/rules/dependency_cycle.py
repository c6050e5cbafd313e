"""Services and CIs depend on each other in a cycle.

A cycle makes impact analysis meaningless (everything in it breaks
everything else) and usually means a ``dependsOn`` entry points the wrong way.
The finding lists the whole cycle and points at the edge that closes it.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: platform
    spec:
      members: [alice]
    ---
    apiVersion: itsm/v1
    kind: ConfigurationItem
    metadata:
      name: app-host
    spec:
      type: host
      owner: team:platform
      environment: production
      dependsOn: [ci:db-host]
    ---
    apiVersion: itsm/v1
    kind: ConfigurationItem
    metadata:
      name: db-host
    spec:
      type: host
      owner: team:platform
      environment: production
      dependsOn:
        - ci:app-host   # <-

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: platform
    spec:
      members: [alice]
    ---
    apiVersion: itsm/v1
    kind: ConfigurationItem
    metadata:
      name: app-host
    spec:
      type: host
      owner: team:platform
      environment: production
      dependsOn: [ci:db-host]
    ---
    apiVersion: itsm/v1
    kind: ConfigurationItem
    metadata:
      name: db-host
    spec:
      type: host
      owner: team:platform
      environment: production
"""

from __future__ import annotations

from collections.abc import Iterator

from itsmctl.findings import Finding, Severity
from itsmctl.graph.cycles import find_cycles
from itsmctl.rules._planning import planning_of
from itsmctl.rules.base import CheckContext

ID = "dependency-cycle"
SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Finding]:
    catalog = ctx.catalog
    # The dependency graph the schedule rules use too: built once per run.
    adjacency = planning_of(ctx).graph.depends_on
    for cycle in find_cycles(adjacency):
        # Point at the dependsOn entry that closes the cycle.
        closing, target = cycle[-2], cycle[-1]
        item = catalog.typed(closing)
        depends_on: tuple[str, ...] = item.depends_on
        yield ctx.finding(
            ID,
            SEVERITY,
            item.record,
            ("spec", "dependsOn", depends_on.index(target)),
            f"dependency cycle: {' -> '.join(cycle)}",
            "remove or reverse one dependsOn entry in the cycle",
            cycle=cycle,
        )

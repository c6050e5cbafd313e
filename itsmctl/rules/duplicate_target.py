"""A change names the same target more than once.

Risk, the blast radius and the deploy gate read all entries for one target
together: their ``replicas`` add up (two entries of one replica each take two
replicas down at once, as far as anyone reading the change can tell), and an
entry without ``replicas`` takes the whole target down. Write one entry per
target with the number of replicas that are down at the same time; if the
change takes them down one after the other, say so with ``replicas: 1``.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: data
    spec:
      members: [alice]
    ---
    apiVersion: itsm/v1
    kind: ConfigurationItem
    metadata:
      name: pg-orders
    spec:
      type: database
      owner: team:data
      environment: production
      redundancy: {replicas: 3, minAvailable: 2}
    ---
    apiVersion: itsm/v1
    kind: Change
    metadata:
      name: chg-20261201-a1b2
    spec:
      title: Rolling upgrade of the orders database
      type: normal
      requester: alice
      status: draft
      targets:
        - {ref: ci:pg-orders, replicas: 1}
        - {ref: ci:pg-orders, replicas: 1}   # <-

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: data
    spec:
      members: [alice]
    ---
    apiVersion: itsm/v1
    kind: ConfigurationItem
    metadata:
      name: pg-orders
    spec:
      type: database
      owner: team:data
      environment: production
      redundancy: {replicas: 3, minAvailable: 2}
    ---
    apiVersion: itsm/v1
    kind: Change
    metadata:
      name: chg-20261201-a1b2
    spec:
      title: Rolling upgrade of the orders database
      type: normal
      requester: alice
      status: draft
      targets:
        - {ref: ci:pg-orders, replicas: 1}
"""

from __future__ import annotations

from collections.abc import Iterator

from itsmctl.findings import Finding, Severity
from itsmctl.graph.impact import combine_touches
from itsmctl.rules.base import CheckContext

ID = "duplicate-target"
SEVERITY = Severity.WARNING


def check(ctx: CheckContext) -> Iterator[Finding]:
    for change in ctx.catalog.changes.values():
        first: dict[str, int] = {}
        combined = {touch.ref: touch.replicas for touch in combine_touches(change.touches)}
        for index, ref in enumerate(change.target_refs):
            if ref not in first:
                first[ref] = index
                continue
            replicas = combined[ref]
            reading = "all of it down" if replicas is None else f"{replicas} replicas down at once"
            yield ctx.finding(
                ID,
                SEVERITY,
                change.record,
                ("spec", "targets", index),
                f"{ref} is already target {first[ref] + 1}; the entries are read together: {reading}",
                "write one entry per target, with the replicas that are down at the same time",
            )

"""A change's plan is still a placeholder.

``itsmctl new change`` writes ``TODO`` into the implementation, rollback and
test plans. A draft may keep them (a warning); once a change is requested,
reviewers need the real plans (an error). Drafts and closed changes aside,
every plan must be written out.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: search
    spec:
      members: [alice]
    ---
    apiVersion: itsm/v1
    kind: Service
    metadata:
      name: search
    spec:
      owner: team:search
      tier: 3
      lifecycle: production
    ---
    apiVersion: itsm/v1
    kind: Change
    metadata:
      name: chg-20261208-aaaa
    spec:
      title: Upgrade the search cluster
      type: normal
      requester: alice
      status: draft
      targets: [service:search]
      rollbackPlan: "TODO: how to undo it"   # <-

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: search
    spec:
      members: [alice]
    ---
    apiVersion: itsm/v1
    kind: Service
    metadata:
      name: search
    spec:
      owner: team:search
      tier: 3
      lifecycle: production
    ---
    apiVersion: itsm/v1
    kind: Change
    metadata:
      name: chg-20261208-aaaa
    spec:
      title: Upgrade the search cluster
      type: normal
      requester: alice
      status: draft
      targets: [service:search]
      rollbackPlan: Re-deploy the previous image tag and re-index from the nightly snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator

from itsmctl.findings import Finding, Severity
from itsmctl.model.plans import is_placeholder
from itsmctl.rules.base import CheckContext

ID = "placeholder-plan"
SEVERITY = Severity.ERROR

_PLANS = (("implementationPlan", "implementation_plan"), ("rollbackPlan", "rollback_plan"), ("testPlan", "test_plan"))


def check(ctx: CheckContext) -> Iterator[Finding]:
    for change in ctx.catalog.changes.values():
        if change.status in ("cancelled", "completed", "failed", "rolled-back"):
            continue
        severity = Severity.WARNING if change.status == "draft" else SEVERITY
        for name, attribute in _PLANS:
            text = getattr(change, attribute)
            if text and is_placeholder(text):
                yield ctx.finding(
                    ID,
                    severity,
                    change.record,
                    ("spec", name),
                    f"spec.{name} is still a placeholder",
                    "write the plan out",
                )

"""A policy's CEL expression does not compile, or fails on a record.

Reported at the expression in the policy file when it does not compile, and at
the record when it cannot be evaluated there (most often a field that is
missing on some records: guard it with ``has(spec.field)``). A rule must return
a boolean.

Failing example::

    apiVersion: itsm/v1
    kind: Policy
    metadata:
      name: change-management
    spec:
      rules:
        - id: rollback-plan
          match: {kinds: [Change]}
          assert: "has(spec.rollbackPlan) &&"   # <-
          message: every change needs a rollback plan

Passing example::

    apiVersion: itsm/v1
    kind: Policy
    metadata:
      name: change-management
    spec:
      rules:
        - id: rollback-plan
          match: {kinds: [Change]}
          assert: "has(spec.rollbackPlan) && size(spec.rollbackPlan) >= 20"
          message: every change needs a rollback plan
"""

from itsmctl.findings import Severity

ID = "policy-expression"
SEVERITY = Severity.ERROR

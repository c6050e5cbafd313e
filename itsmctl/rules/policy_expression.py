"""A policy's CEL expression does not compile, or fails on a record.

Reported at the expression in the policy file: when it does not compile, once;
when it cannot be evaluated on a record, once for each such record, naming the
record and its line. Evaluation fails on a field that is missing on some
records (guard it with ``has(spec.field)``), a division by zero, an index past
the end of a list, an integer overflow or mixed types (``1 + 2.5``). A rule's
``when`` and ``assert`` must return a boolean. The other rules and records are
still checked.

An expression must also be cheap enough to run on every record (an evaluation
cannot be interrupted): at most 1,000,000 steps plus 16 per unit of the size of
the record data it reads. Refused when the policy is read: a comprehension
inside another, more than 8 comprehensions, over 4,000 characters, a
``matches()`` pattern that is not a literal or is too large, or a cost above the
limit before any record is read (a search of a long list literal inside a
comprehension over another). An expression whose cost grows faster than the
record is checked on each record before it runs, and not run where it is over. An approval's ``when`` that fails on a change makes its
requirement apply (``plan`` reports it here): a broken condition never waives
an approval.

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

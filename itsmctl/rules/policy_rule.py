"""A record breaks a rule of a Policy in ``policies/`` (rule id POLICY/RULE).

Policy rules are your organisation's own checks, written in CEL over
``record``, ``kind``, ``name``, ``metadata`` and ``spec``. Each has an id,
a severity, an optional ``match`` (kinds, names, labels), an optional ``when``
precondition, an ``assert`` that must hold, a message, and an optional
``field`` to point the finding at. Findings carry the id POLICY/RULE, e.g.
``change-management/rollback-plan``.

Failing example::

    apiVersion: itsm/v1
    kind: Policy
    metadata:
      name: catalog-hygiene
    spec:
      rules:
        - id: title-required
          severity: error
          match: {kinds: [Team]}
          assert: "has(metadata.title)"
          message: every team needs a title
    ---
    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments   # <-
    spec:
      members: [alice]

Passing example::

    apiVersion: itsm/v1
    kind: Policy
    metadata:
      name: catalog-hygiene
    spec:
      rules:
        - id: title-required
          severity: error
          match: {kinds: [Team]}
          assert: "has(metadata.title)"
          message: every team needs a title
    ---
    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
      title: Payments
    spec:
      members: [alice]
"""

from itsmctl.findings import Severity

ID = "POLICY/RULE"
SEVERITY = Severity.ERROR

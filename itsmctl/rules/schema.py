"""A record does not match the JSON Schema of its kind.

Each problem names the field (``spec.tier``), what was expected and, for a
misspelt field or value, the closest valid one. Export the schemas with
``itsmctl schema export DIR`` to get the same checks and completion in an
editor.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice]
      contcat: {email: payments@example.com}   # <-

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice]
      contact: {email: payments@example.com}
"""

from itsmctl.findings import Severity

ID = "schema"
SEVERITY = Severity.ERROR

"""A mapping key is itself a list or a mapping.

YAML allows ``? [a, b]: value`` but no record field is keyed that way.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice]
      ? [a, b]   # <-
      : value

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice]
"""

from itsmctl.findings import Severity

ID = "complex-key"
SEVERITY = Severity.ERROR

"""A document's ``kind`` is not a record kind itsmctl knows.

Kinds: Team, Service, ConfigurationItem, SLA, Change, Policy, Freeze. The
message suggests the closest one.

Failing example::

    apiVersion: itsm/v1
    kind: Servise   # <-
    metadata:
      name: payments
    spec: {}

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice]
"""

from itsmctl.findings import Severity

ID = "unknown-kind"
SEVERITY = Severity.ERROR

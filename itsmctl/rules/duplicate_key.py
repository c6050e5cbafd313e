"""A mapping has the same key twice.

Plain YAML loaders silently keep the last value, so half of what you wrote is
ignored without a word. itsmctl reports the second key and where the first is.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice]
      members: [bob]   # <-

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice, bob]
"""

from itsmctl.findings import Severity

ID = "duplicate-key"
SEVERITY = Severity.ERROR

"""A document is a list or a plain value instead of a record.

Every document must be a mapping with ``apiVersion``, ``kind``, ``metadata``
and ``spec``.

Failing example::

    - apiVersion: itsm/v1   # <-
      kind: Team

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice]
"""

from itsmctl.findings import Severity

ID = "not-a-mapping"
SEVERITY = Severity.ERROR

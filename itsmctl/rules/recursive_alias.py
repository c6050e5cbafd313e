"""An alias refers to a node that contains it, making an infinite structure.

Such a document has no finite value; tools that walk it loop forever or
crash. The finding points at the anchor; remove the alias inside it.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec: &spec   # <-
      members: [alice]
      self: *spec

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice]
"""

from itsmctl.findings import Severity

ID = "recursive-alias"
SEVERITY = Severity.ERROR

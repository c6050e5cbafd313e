"""A value carries a YAML tag outside the core schema.

Tags such as ``!!python/object/apply`` ask a loader to construct objects or run
code. itsmctl never constructs them: the document is refused and reported.
Only plain YAML values (strings, numbers, booleans, null, lists, mappings) are
allowed in records.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: !!python/object/apply:os.system ["id"]   # <-

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice]
"""

from itsmctl.findings import Severity

ID = "unsafe-tag"
SEVERITY = Severity.ERROR

"""A file, or one ``---`` document in it, is empty.

Usually a stray ``---`` at the end of a file or a file that was emptied
instead of deleted.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice]
    ---
    ---   # <-
    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: search
    spec:
      members: [bob]

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice]
    ---
    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: search
    spec:
      members: [bob]
"""

from itsmctl.findings import Severity

ID = "empty-document"
SEVERITY = Severity.ERROR

"""The file is not valid YAML.

The parser's message says what it expected and where. Common causes: a tab
used for indentation, an unclosed quote or bracket, a value indented less than
its key, a colon followed by a space inside an unquoted value. Nothing after
the error in that file is read.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
      title: Payments: the team   # <-
    spec:
      members: [alice, bob]

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice, bob]
"""

from itsmctl.findings import Severity

ID = "yaml-syntax"
SEVERITY = Severity.ERROR

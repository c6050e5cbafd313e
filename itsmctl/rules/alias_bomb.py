"""Aliases expand a document far beyond what is written ("billion laughs").

A handful of lines of anchors and aliases can expand to billions of nodes and
exhaust memory in any tool that walks the result; so can a few thousand aliases
of one long string (``*s`` repeating 100,000 characters). itsmctl measures the
expansion while loading and refuses documents whose aliases add more than
10,000 nodes or 1,000,000 characters. Ordinary use (``<<: *defaults``) stays far
below that. The finding points at the anchor (or alias) whose expansion went over.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
      annotations:
        a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]   # <-
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
    spec:
      members: [alice]

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice]
"""

from itsmctl.findings import Severity

ID = "alias-bomb"
SEVERITY = Severity.ERROR

"""Someone approved a change they requested or authored (segregation of duties).

Reported by ``itsmctl audit`` from the approvals recorded for a merge (the
evidence note written by the main-branch workflow, or ``Approved-by:``
trailers): the change's requester, the pull request's author, or the person
who merged it (for trailers) appearing among the approvers. Such approvals
never count towards what policy requires, and the attempt itself is evidence
an auditor wants to see.
"""

from itsmctl.findings import Severity

ID = "self-approval"
SEVERITY = Severity.ERROR

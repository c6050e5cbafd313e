"""Someone approved a change they requested or authored (segregation of duties).

Reported by ``itsmctl audit`` from the approvals recorded for a merge (the
evidence note written by the main-branch workflow, or ``Approved-by:``
trailers): the change's requester, the pull request's author, or the person
who merged it and whoever wrote the merged commits (for trailers) appearing
among the approvers. Such approvals never count towards what policy requires,
as in ``review``. An error when the change lacked enough other approvals (it
comes with ``missing-approval``); when the others were enough, it is only an
info note (``review`` ignored it too, and ``audit --fail-on-violation`` does
not fail on it).
"""

from itsmctl.findings import Severity

ID = "self-approval"
SEVERITY = Severity.ERROR

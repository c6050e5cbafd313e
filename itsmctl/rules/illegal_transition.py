"""A pull request moves a change through its lifecycle in a way that is not allowed.

Reported by ``itsmctl plan``, which compares each change with its version at
the merge base, and by ``itsmctl audit``, which replays the same rules on every
step of the branch's first-parent history (the first commit, an import, is
exempt). The lifecycle::

    draft -> requested -> approved -> scheduled -> in-progress -> completed | failed | rolled-back
    cancelled from any open state; approved/scheduled may go back to requested

A new change starts as draft or requested. Emergency changes may go
requested -> in-progress, but need a post-implementation review (``spec.pir``)
before they are closed. Standard changes inside a pre-approved template may
go requested -> scheduled. Closed changes stay closed; one pull request makes
one step.
"""

from itsmctl.findings import Severity

ID = "illegal-transition"
SEVERITY = Severity.ERROR

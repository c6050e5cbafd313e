"""A change was authorised without the approvals its policy requires.

Reported by ``itsmctl plan --approvals trailers`` (and by ``itsmctl audit``
for history) when a merge moves a change to approved (or further) without
enough ``Approved-by:`` trailers from members of the required teams. Only
trailers on the merge commit count, and never the requester's, the merger's
or those of anyone who authored the merged commits. With GitHub, ``itsmctl
review`` checks the same requirements against code review.
"""

from itsmctl.findings import Severity

ID = "missing-approval"
SEVERITY = Severity.ERROR

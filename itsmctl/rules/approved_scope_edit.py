"""A pull request edits the scope of a change that is already approved.

Approval covers the type, requester (who may not approve it), targets, window,
template and the implementation, rollback and test plans. Changing any of them
after approval (status approved, scheduled or in-progress at the merge base, or
on the base branch now, where a stale branch would land its edit) would let an
approved change turn into a different one; so would a pull request approving
a copy whose scope the base branch has changed since it branched. Reported by
``itsmctl plan`` (and ``review`` fails with it), and by ``itsmctl audit`` for
every step on the branch. To change the scope, set the status back to
``requested`` in the same pull request: the change is then reviewed and
approved again.
"""

from itsmctl.findings import Severity

ID = "approved-scope-edit"
SEVERITY = Severity.ERROR

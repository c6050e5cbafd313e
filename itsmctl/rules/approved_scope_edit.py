"""A pull request edits the scope of a change that is already approved.

Approval covers the type, targets, window, template and the implementation,
rollback and test plans. Changing any of them after approval (status
approved, scheduled or in-progress at the merge base) would let an approved
change turn into a different one. Reported by ``itsmctl plan``, and by
``itsmctl audit`` for every step on the branch. To change the
scope, set the status back to ``requested`` in the same pull request: the
change is then reviewed and approved again.
"""

from itsmctl.findings import Severity

ID = "approved-scope-edit"
SEVERITY = Severity.ERROR

"""Recorded approval evidence points at a commit that is no longer in the branch.

The main-branch workflow records the approvals of every merge as a git note
(``refs/notes/itsm``) on the merge commit. If the branch is later rewritten
(force-push, rebase), those merge commits drop out of its history while their
notes remain: ``itsmctl audit`` reports every such note (a note that is not
evidence at all is ``untrusted-evidence`` instead).
"""

from itsmctl.findings import Severity

ID = "history-rewrite"
SEVERITY = Severity.ERROR

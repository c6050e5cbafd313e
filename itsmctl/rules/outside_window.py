"""A change was carried out outside the window it was approved for.

Reported by ``itsmctl audit`` when a change is closed with an outcome whose
``actualStart`` .. ``actualEnd`` does not lie inside the window the change had
when it was authorised. Approval covers a time as much as a scope.
"""

from itsmctl.findings import Severity

ID = "outside-window"
SEVERITY = Severity.ERROR

"""An emergency change was closed without a post-implementation review.

Emergency changes skip the usual approval before they are carried out; the
price is a review afterwards (``spec.pir`` with a summary and reviewers)
before the change is closed as completed, failed or rolled back. ``plan``
stops this in a pull request; ``itsmctl audit`` finds it in history.
"""

from itsmctl.findings import Severity

ID = "emergency-without-pir"
SEVERITY = Severity.ERROR

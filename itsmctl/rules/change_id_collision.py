"""A new change takes an id that already exists on the base branch.

Two pull requests opened in parallel must not both take the same change id.
Ids made by ``itsmctl new change`` are ``chg-YYYYMMDD-xxxx`` with four random
hex digits, which makes a collision unlikely; ``itsmctl plan`` compares the
ids a pull request adds with the base branch tip, so an unlucky one is caught
before merge. Rename the change (and its file).
"""

from itsmctl.findings import Severity

ID = "change-id-collision"
SEVERITY = Severity.ERROR

"""A value has the right shape but cannot be used.

For example a date that does not exist (30 February), an unknown time zone,
or ``minAvailable`` larger than ``replicas``.

Failing example::

    apiVersion: itsm/v1
    kind: Freeze
    metadata:
      name: year-end
    spec:
      start: "2026-02-30T00:00:00+01:00"   # <-
      end: "2026-03-02T00:00:00+01:00"

Passing example::

    apiVersion: itsm/v1
    kind: Freeze
    metadata:
      name: year-end
    spec:
      start: "2026-02-28T00:00:00+01:00"
      end: "2026-03-02T00:00:00+01:00"
"""

from itsmctl.findings import Severity

ID = "invalid-value"
SEVERITY = Severity.ERROR

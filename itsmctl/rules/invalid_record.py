"""A record on the audited branch does not load or does not match its schema.

Reported by ``itsmctl audit`` at the commit where the problem appears, with
the file and line (the message names the underlying rule: ``schema``,
``yaml-syntax``, ...), once: later commits that leave the same problem in place
do not repeat it, and a record still invalid at the audited revision says so.
The replay cannot judge what an invalid record said: an invalid change's steps
are checked again from its last valid version once it is valid again. While a
Policy does not load (or a file that held one, or any file under ``policies/``,
is not YAML at all), what it required is unknown: every change authorised
meanwhile is also a ``missing-approval``.

An error for Change, Policy, Freeze, Service and ConfigurationItem records
(without them the audit could pass what it should refuse: approvals a policy
required, a freeze, the risk of a change) and for documents whose kind cannot
be read; a warning for the other kinds. Run ``itsmctl validate`` on every pull
request so that invalid records never reach the branch.
"""

from itsmctl.findings import Severity

ID = "invalid-record"
SEVERITY = Severity.ERROR

"""A record file is larger than the limit (4 MiB by default).

Such a file is not read at all. Split records over several files; a folder per
area (``catalog/services/payments.yaml``) keeps reviews small, too.
"""

from itsmctl.findings import Severity

ID = "file-too-large"
SEVERITY = Severity.ERROR

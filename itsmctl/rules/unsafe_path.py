"""A symlink in the repository points outside it, or to nothing.

itsmctl never follows links out of the repository: in CI that would let a pull
request make the tool read files of the runner. Replace the link with the file.
"""

from itsmctl.findings import Severity

ID = "unsafe-path"
SEVERITY = Severity.ERROR

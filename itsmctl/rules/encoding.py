"""A file is not UTF-8 text.

Records must be UTF-8 (a UTF-8 byte-order mark is accepted). UTF-16 files,
Latin-1 bytes and binary files are reported with the line of the first bad
byte and not read further.
"""

from itsmctl.findings import Severity

ID = "encoding"
SEVERITY = Severity.ERROR

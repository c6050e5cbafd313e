"""A FIFO, socket or device (or a link to one) has a record file's name.

itsmctl reads only regular files: opening a FIFO waits for ever for someone to
write into it (so ``validate`` would hang), and opening a device can have
effects of its own. Such a file is reported and never opened. Replace it with
a regular file, or rename it so it does not end in ``.yaml``, ``.yml`` or (in
``catalog/knowledge/``) ``.md``.
"""

from itsmctl.findings import Severity

ID = "not-a-regular-file"
SEVERITY = Severity.ERROR

"""A symlink in the repository points outside it, to nothing, or loops.

itsmctl never follows links out of the repository: in CI that would let a pull
request make the tool read files of the runner. A link inside it is followed hop
by hop (a link to a link, a link through a linked folder), up to 40 links, the
same way in the working tree (``validate``) and in git objects (``plan``,
``review``); in git objects an absolute link leaves the repository, since git
keeps only its text. Replace the link with the file, or point it inside.
"""

from itsmctl.findings import Severity

ID = "unsafe-path"
SEVERITY = Severity.ERROR

"""An evidence note under ``refs/notes/itsm`` is not evidence.

Reported by ``itsmctl audit`` for a note that cannot be read as evidence, that
was copied from another commit (it records a different merge), or whose
writer a Policy does not trust: ``spec.evidence.writers`` names the e-mail
addresses allowed to write evidence (author and committer of the notes commit
that wrote the note's text), ``spec.evidence.requireSigned`` asks for a
signature ``git verify-commit`` accepts (and, with writers, by one of them).
The policies at the annotated commit's base and at the audited revision both
apply. Such a note's approvals count for nothing; the merge is judged by what
it records itself (``Approved-by:`` trailers), and a commit that is not a merge
is a direct commit. Write evidence only with ``itsmctl evidence record`` in the
main-branch workflow, as the identity the policy names (``--sign`` to sign).

Passing::

    apiVersion: itsm/v1
    kind: Policy
    metadata: {name: evidence}
    spec:
      evidence:
        writers: [itsmctl-evidence@users.noreply.github.com]
        requireSigned: true
"""

from itsmctl.findings import Severity

ID = "untrusted-evidence"
SEVERITY = Severity.ERROR

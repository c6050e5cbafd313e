"""Records were changed directly on the branch, not through a pull request.

Reported by ``itsmctl audit`` for commits on the first-parent history of the
branch that touch ``catalog/``, ``changes/`` or ``policies/`` and are neither
a merge, nor a GitHub squash or rebase merge (committed by GitHub, with
"Title (#N)" or an evidence note), nor carry an evidence note from a writer a
Policy trusts (``spec.evidence.writers``). The repository's first commit is
exempt. Protect
the branch so that changes can only arrive by pull request.
"""

from itsmctl.findings import Severity

ID = "direct-commit"
SEVERITY = Severity.ERROR

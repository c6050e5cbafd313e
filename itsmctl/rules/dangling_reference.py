"""A reference names a record that does not exist.

Every ``kind:name`` reference (owners, SLAs, dependencies, change targets,
freeze scopes, approver teams) must resolve. The message suggests the closest
existing name of an allowed kind.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice]
    ---
    apiVersion: itsm/v1
    kind: Service
    metadata:
      name: checkout
    spec:
      owner: team:paymnts   # <-
      tier: 3
      lifecycle: production

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: payments
    spec:
      members: [alice]
    ---
    apiVersion: itsm/v1
    kind: Service
    metadata:
      name: checkout
    spec:
      owner: team:payments
      tier: 3
      lifecycle: production
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterator

from itsmctl.findings import Finding, Severity
from itsmctl.model.references import reference_problems
from itsmctl.rules.base import CheckContext

ID = "dangling-reference"
SEVERITY = Severity.ERROR
# Each suggestion compares against every name of the kind; past this many
# dangling references (a broken import, say) stop suggesting to stay fast.
MAX_SUGGESTIONS = 100


def check(ctx: CheckContext) -> Iterator[Finding]:
    known = ctx.catalog.by_ref
    names_by_prefix: dict[str, list[str]] | None = None
    suggested = 0
    dangling, _ = ctx.cached("reference-problems", lambda: reference_problems(ctx.catalog.records, known))
    for record, reference in dangling:
        if names_by_prefix is None:
            names_by_prefix = defaultdict(list)
            for ref in known:
                names_by_prefix[ref.partition(":")[0]].append(ref)
        hint = ""
        if suggested < MAX_SUGGESTIONS:
            suggested += 1
            candidates = [ref for allowed in reference.allowed for ref in names_by_prefix.get(allowed, ())]
            close = difflib.get_close_matches(reference.target, candidates, n=1, cutoff=0.75)
            hint = f"did you mean {close[0]!r}?" if close else ""
        message = f"{reference.field} refers to {reference.target!r}, which does not exist"
        yield ctx.finding(ID, SEVERITY, record, reference.path, message, hint)

"""The change lifecycle, as a state machine every pull request must follow.

::

    draft -> requested -> approved -> scheduled -> in-progress -> completed
                 |            |           |             |      -> failed
                 |            |           |             +----> -> rolled-back
                 +------------+-----------+--> cancelled  (from any open state)

* ``approved`` and ``scheduled`` may go back to ``requested`` (to edit the
  scope of an approved change, which then needs approval again); ``requested``
  may go back to ``draft``; ``approved`` may go straight to ``in-progress``.
* Emergency changes may go ``requested -> in-progress`` (approval afterwards),
  but may only be closed with a post-implementation review (``spec.pir``).
* Standard changes that match a pre-approved template (StandardChange) skip
  approval: ``requested -> scheduled`` or ``-> in-progress``.
* A new change starts as ``draft`` or ``requested`` (a matching standard
  change may start as ``scheduled``). Closed states are final.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from itsmctl.flow.diff import FieldChange, touches

TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"requested", "cancelled"}),
    "requested": frozenset({"draft", "approved", "cancelled"}),
    "approved": frozenset({"scheduled", "in-progress", "requested", "cancelled"}),
    "scheduled": frozenset({"in-progress", "requested", "cancelled"}),
    "in-progress": frozenset({"completed", "failed", "rolled-back"}),
    "completed": frozenset(),
    "failed": frozenset(),
    "rolled-back": frozenset(),
    "cancelled": frozenset(),
}
EMERGENCY_EXTRA: dict[str, frozenset[str]] = {"requested": frozenset({"in-progress"})}
PRE_APPROVED_EXTRA: dict[str, frozenset[str]] = {
    "draft": frozenset({"scheduled"}),
    "requested": frozenset({"scheduled", "in-progress"}),
}
INITIAL = frozenset({"draft", "requested"})
CLOSED_WITH_OUTCOME = frozenset({"completed", "failed", "rolled-back"})
# What an approval covers: changing these needs the change to go back to requested.
# The requester too: who asked is who may not approve, so it cannot change under an approval.
SCOPE_FIELDS = ("type", "requester", "targets", "window", "implementationPlan", "rollbackPlan", "testPlan", "template")
APPROVED_STATES = frozenset({"approved", "scheduled", "in-progress"})


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""
    # Refused only because an emergency change was closed without spec.pir (the audit's emergency-without-pir).
    missing_pir: bool = False


def allowed_next(status: str, change_type: str, pre_approved: bool) -> frozenset[str]:
    allowed = set(TRANSITIONS.get(status, frozenset()))
    if change_type == "emergency":
        allowed |= EMERGENCY_EXTRA.get(status, frozenset())
    if change_type == "standard" and pre_approved:
        allowed |= PRE_APPROVED_EXTRA.get(status, frozenset())
    return frozenset(allowed)


def check_transition(before: str | None, after: str, change_type: str, pre_approved: bool, has_pir: bool) -> Verdict:
    """Whether one pull request may move a change from ``before`` (None: new) to ``after``."""
    if before is None:
        initial = INITIAL | ({"scheduled"} if change_type == "standard" and pre_approved else set())
        if after in initial:
            return Verdict(True)
        return Verdict(False, f"a new change must start as {' or '.join(sorted(initial))}, not {after}")
    if before == after:
        return Verdict(True)
    allowed = allowed_next(before, change_type, pre_approved)
    if after not in allowed:
        options = ", ".join(sorted(allowed)) or "nothing (it is closed)"
        return Verdict(False, f"{before} -> {after} is not allowed; from {before} a change may go to {options}")
    if change_type == "emergency" and after in CLOSED_WITH_OUTCOME and not has_pir:
        reason = f"an emergency change needs a post-implementation review (spec.pir) before it is {after}"
        return Verdict(False, reason, missing_pir=True)
    return Verdict(True)


def edited_scope(before: str | None, after: str, fields: Callable[[], list[FieldChange]]) -> list[str]:
    """Scope fields (``SCOPE_FIELDS``) a step edits while the change stays approved; to edit them it goes back
    to requested. ``fields`` gives the step's field changes, asked for only when they matter."""
    if before not in APPROVED_STATES or after == "requested":
        return []
    edited = fields()
    return [name for name in SCOPE_FIELDS if touches(edited, name)]

"""The step a merge makes on the base branch, where a change may have moved on since the branch was made.

``plan`` judges what a pull request did (merge base -> head). A branch made while a
change was ``requested`` that only edits its targets still says ``requested``; if main
approved the change since, git merges the edit cleanly and main ends up with an
approved change whose scope nobody approved. So the step is judged a second time,
from the base branch tip to what the merge lands, field by field as git merges them:
a field the pull request edits lands as the head has it, any other as the tip has it.

The landing is refused (the stricter of the two readings counts) when it is not a
lifecycle step (``illegal-transition``), when it edits the scope of a change that is
approved on the tip, or when the pull request authorises a change whose scope on the
tip is not the one it shows (``approved-scope-edit``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsmctl.flow.lifecycle import APPROVED_STATES, CLOSED_WITH_OUTCOME, SCOPE_FIELDS, check_transition
from itsmctl.model.kinds import AUTHORISED_STATUSES, Change

_AUTHORISED_OR_CLOSED = AUTHORISED_STATUSES | CLOSED_WITH_OUTCOME

_UPDATE = "update the branch from the base branch and look again"


@dataclass(frozen=True)
class LandingProblem:
    scope: bool  # a scope field (``field``) lands edited; else the status step is not allowed
    field: str
    message: str
    hint: str


def _spec(change: Change) -> dict[str, Any]:
    spec = change.record.body.get("spec")
    return spec if isinstance(spec, dict) else {}


def landing_problems(
    change: Change, previous: Change | None, tip: Change | None, pre_approved: bool
) -> list[LandingProblem]:
    """What is wrong with landing ``change`` (head) on the base tip, where it is ``tip`` (``previous``: merge base)."""
    if previous is None or tip is None or tip.record.body == previous.record.body:
        return []  # the base branch did not move this change: the pull request's own step is the landing
    head, base, tip_spec = _spec(change), _spec(previous), _spec(tip)
    landed = {
        name: head.get(name) if head.get(name) != base.get(name) else tip_spec.get(name)
        for name in ("status", *SCOPE_FIELDS)
    }
    status = landed["status"] if isinstance(landed["status"], str) else change.status
    name = change.name
    problems = []
    verdict = check_transition(tip.status, status, change.type, pre_approved, change.pir is not None)
    if not verdict.allowed:
        problems.append(
            LandingProblem(False, "status", f"{name} is {tip.status} on the base branch now: {verdict.reason}", _UPDATE)
        )
    if tip.status in APPROVED_STATES and status != "requested":
        for field in SCOPE_FIELDS:
            if landed[field] != tip_spec.get(field):
                problems.append(
                    LandingProblem(
                        True,
                        field,
                        f"spec.{field} of {name} changed after it was {tip.status} on the base branch "
                        f"(since this branch was made); merged, the {tip.status} change would have it",
                        "set status back to requested in this pull request, so it is approved again",
                    )
                )
    authorises = status in _AUTHORISED_OR_CLOSED and previous.status not in _AUTHORISED_OR_CLOSED
    if authorises:
        for field in SCOPE_FIELDS:
            if landed[field] != head.get(field) and field not in {p.field for p in problems}:
                problems.append(
                    LandingProblem(
                        True,
                        field,
                        f"spec.{field} of {name} changed on the base branch since this branch was made: merged, "
                        f"this pull request would authorise a {field} it does not show",
                        _UPDATE,
                    )
                )
    return problems

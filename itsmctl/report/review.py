"""Rendering ``review``: the plan with the approvals received, as text or JSON (documented in README)."""

from __future__ import annotations

import json

from itsmctl.flow.approvals import NeedResult
from itsmctl.flow.review import ReviewOutcome
from itsmctl.report.escape import terminal, to_json
from itsmctl.report.plan import render_json


def summary(outcome: ReviewOutcome) -> str:
    due = outcome.due()
    if not outcome.satisfied:
        return "missing: " + "; ".join(outcome.missing())
    owners = (
        f" and the owners of {len(outcome.record_results)} edited record group(s)" if outcome.record_results else ""
    )
    if not due and not owners:
        return "no change in this pull request needs approval now, and it edits no owned record"
    return f"approvals complete for {len(due)} change(s){owners}"


def render_review_json(outcome: ReviewOutcome, number: int) -> str:
    document = json.loads(render_json(outcome.plan, outcome.results, outcome.record_results))
    document["pullRequest"] = {"number": number, "author": outcome.pull.author, "head": outcome.pull.head_sha}
    document["approvalsSatisfied"] = outcome.satisfied
    document["missing"] = outcome.missing()
    return to_json(document)


def render_review_text(outcome: ReviewOutcome) -> str:
    """Change names, team labels, logins and reasons come from the pull request and GitHub: all escaped."""
    lines = []
    due = outcome.due()
    for item in outcome.plan.changes:
        results = outcome.results[item.change.name]
        flag = "due now" if item in due else "not due in this PR"
        before, after = item.transition
        lines.append(f"{terminal(item.change.name)} ({terminal(before or 'new')} -> {terminal(after)}, {flag})")
        lines += _result_lines(results)
    if outcome.record_results:
        lines.append("edited records (due now)")
        lines += _result_lines(outcome.record_results)
    lines.append(terminal(summary(outcome)))
    return "\n".join(lines) + "\n"


def _result_lines(results: list[NeedResult]) -> list[str]:
    lines = []
    for result in results:
        mark = "ok " if result.satisfied else "MISSING"
        who = ", ".join(result.approvers) or "nobody"
        lines.append(f"  {mark} {terminal(result.need.label)}: approved by {terminal(who)}")
        for identity, why in result.rejected:
            lines.append(f"      not counted: {terminal(identity)}: {terminal(why)}")
    return lines

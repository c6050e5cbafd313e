"""Approvals recorded as ``Approved-by:`` trailers on a merge commit, for teams without GitHub.

Only the merge commit that brings the change in counts: an ``Approved-by``
line in an ordinary commit is just text anyone could write. The merger and
everyone who authored a commit on the merged branch count as authors of the
change, so they cannot approve it (the same rule as for reviews).
"""

from __future__ import annotations

import git

from itsmctl.findings import Finding, Severity
from itsmctl.flow.approvals import Approval, NeedResult
from itsmctl.flow.plan import Plan
from itsmctl.flow.review import check_approvals, membership
from itsmctl.load.locate import Locator
from itsmctl.vcs.trailers import parse_person, trailer_values

MISSING_RULE = "missing-approval"


def merge_approvals(repo: git.Repo, commit: git.Commit) -> tuple[list[Approval], dict[str, str]]:
    """Approvals on a merge commit, and the identities that authored what it merges."""
    if len(commit.parents) < 2:
        return [], {}
    approvals = []
    for value in trailer_values(commit.message, "Approved-by"):
        person = parse_person(value)
        if person is not None:
            approvals.append(Approval(person.identity, "trailer", True, False, f"merge {commit.hexsha[:12]}"))
    excluded = {commit.author.email.lower(): "merged it (no self-approval)"}
    merged = repo.iter_commits(f"{commit.parents[0].hexsha}..{commit.parents[1].hexsha}")
    for authored in merged:
        excluded.setdefault(authored.author.email.lower(), "authored the merged commits (no self-approval)")
    return approvals, excluded


def check_trailer_approvals(repo: git.Repo, plan: Plan) -> tuple[dict[str, list[NeedResult]], list[Finding]]:
    """Approvals of the plan's head merge commit; a finding for every change that lacks some."""
    approvals, authors = merge_approvals(repo, repo.commit(plan.head))
    results = check_approvals(plan, approvals, authors, membership(plan.trusted_catalog, None))
    findings = []
    locator = Locator()
    for item in plan.changes:
        if not item.grants_authorisation:
            continue
        for result in results[item.change.name]:
            if not result.satisfied:
                findings.append(
                    Finding(
                        MISSING_RULE,
                        Severity.ERROR,
                        f"{item.change.name} is {item.change.status} with {len(result.approvers)} of "
                        f"{result.need.count} approval(s) from {result.need.team}",
                        locator.locate(item.change.record, ("spec", "status")),
                        "add Approved-by: Name <email> trailers from team members to the merge commit",
                    )
                )
    return results, findings

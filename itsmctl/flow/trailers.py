"""Approvals recorded as ``Approved-by:`` trailers on a merge commit, for teams without GitHub.

Only the merge commit that brings the change in counts: an ``Approved-by``
line in an ordinary commit is just text anyone could write. The merger and
everyone who authored a commit on the merged branch count as authors of the
change, so they cannot approve it (the same rule as for reviews). The trailers
are the merger's testimony: on a merge the requester made (as author or
committer) they count for nothing. ``plan --approvals trailers`` and ``audit``
read trailers with the same two functions below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import git

from itsmctl.findings import Finding, Location, Severity
from itsmctl.flow.approvals import Approval, NeedResult
from itsmctl.flow.plan import Plan
from itsmctl.flow.review import check_approvals, check_record_approvals, membership
from itsmctl.load.locate import Locator
from itsmctl.model.refs import PREFIX_OF_KIND
from itsmctl.vcs.trailers import parse_person, trailer_values

MISSING_RULE = "missing-approval"


def trailer_approvals(message: str, author_email: str, committer_email: str, detail: str) -> list[Approval]:
    """The ``Approved-by`` trailers of a merge commit, recorded by its author and committer."""
    recorded_by = frozenset({author_email.lower(), committer_email.lower()})
    approvals = []
    for value in trailer_values(message, "Approved-by"):
        person = parse_person(value)
        if person is not None:
            approvals.append(Approval(person.identity, "trailer", True, False, detail, recorded_by))
    return approvals


def merge_exclusions(merger_email: str, authors: Iterable[str]) -> dict[str, str]:
    """Who may not approve what a merge brings in: the merger and the authors of the merged commits."""
    excluded = {merger_email.lower(): "merged it (no self-approval)"}
    for author in sorted(authors):
        excluded.setdefault(author.lower(), "authored the merged commits (no self-approval)")
    return excluded


def merge_approvals(repo: git.Repo, commit: git.Commit) -> tuple[list[Approval], dict[str, str]]:
    """Approvals on a merge commit, and the identities that authored what it merges."""
    if len(commit.parents) < 2:
        return [], {}
    message = commit.message if isinstance(commit.message, str) else commit.message.decode("utf-8", "replace")
    merger = commit.author.email or ""
    approvals = trailer_approvals(message, merger, commit.committer.email or "", f"merge {commit.hexsha[:12]}")
    merged = repo.iter_commits(f"{commit.parents[0].hexsha}..{commit.parents[1].hexsha}")
    return approvals, merge_exclusions(merger, {authored.author.email or "" for authored in merged})


@dataclass
class TrailerCheck:
    """The trailers of a pull request's merge counted for each change and for the edited records' owners."""

    results: dict[str, list[NeedResult]]
    record_results: list[NeedResult]
    findings: list[Finding]


def check_trailer_approvals(repo: git.Repo, plan: Plan) -> tuple[dict[str, list[NeedResult]], list[Finding]]:
    """Approvals of the plan's head merge commit; a finding for every change or owned record that lacks some."""
    check = trailer_check(repo, plan)
    return check.results, check.findings


def trailer_check(repo: git.Repo, plan: Plan) -> TrailerCheck:
    """Count the head merge commit's trailers as ``review`` counts reviews: per change, and for the records' owners."""
    approvals, authors = merge_approvals(repo, repo.commit(plan.head))
    is_member = membership(plan.trusted_catalog, None)
    results = check_approvals(plan, approvals, authors, is_member)
    record_results = check_record_approvals(plan, approvals, authors, is_member)
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
    for path in plan.invalid_base_policies():
        findings.append(
            Finding(
                MISSING_RULE,
                Severity.ERROR,
                "a Policy on the base branch is invalid, so the approvals it requires are unknown",
                Location(path),
                "fix the policy on the base branch first",
            )
        )
    for result in record_results:
        if not result.satisfied:
            findings.append(
                Finding(
                    MISSING_RULE,
                    Severity.ERROR,
                    f"{_shown(result.need.records)} edited or removed with {len(result.approvers)} of "
                    f"{result.need.count} approval(s) from {result.need.team}, their owner on the base branch",
                    _where(plan, result.need.records, locator),
                    f"add an Approved-by: Name <email> trailer from a member of {result.need.team} to the merge commit",
                )
            )
    return TrailerCheck(results, record_results, findings)


def _shown(refs: tuple[str, ...]) -> str:
    return ", ".join(refs[:5]) + (f" and {len(refs) - 5} more" if len(refs) > 5 else "")


def _where(plan: Plan, refs: tuple[str, ...], locator: Locator) -> Location:
    """The first edited record as the head has it (its name), or the file it was removed from."""
    for diff in plan.records:
        if f"{PREFIX_OF_KIND.get(diff.kind, '')}:{diff.name}" != (refs[0] if refs else None):
            continue
        if diff.action != "removed":
            for record in plan.head_catalog.records:
                if record.path == diff.path and record.kind == diff.kind and record.name == diff.name:
                    return locator.locate(record, ("metadata", "name"))
        return Location(diff.previous_path or diff.path)
    return Location("")

"""``review``: approvals given in code review, checked against what policy requires.

Only the latest review of each reviewer counts (a later "changes requested" or
a dismissal withdraws an approval; a plain comment does not), only approvals
given on the pull request's current head commit count (a push makes earlier
ones stale), and never a bot's, the change requester's, the pull request
author's, or one from outside the required team. Who belongs to a team is
decided by the base branch's Team records or, for teams with ``githubTeam``,
by GitHub's team membership: a pull request cannot enlist its own approvers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import git

from itsmctl.errors import ItsmError
from itsmctl.findings import Finding
from itsmctl.flow.approvals import Approval, Membership, NeedResult, count_approvals, team_members
from itsmctl.flow.plan import FLOW_RULES, ChangePlan, Plan, build_plan
from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import Team
from itsmctl.vcs.git import resolve_commit
from itsmctl.vcs.reviews import PullRequestInfo, Review

if TYPE_CHECKING:  # PyGithub takes ~0.2 s to import: only commands that talk to GitHub load it
    from itsmctl.vcs.github import GitHubClient

_DECISIVE = {"APPROVED", "CHANGES_REQUESTED", "DISMISSED"}


@dataclass
class ReviewOutcome:
    pull: PullRequestInfo
    plan: Plan
    results: dict[str, list[NeedResult]]
    # The owners of the records the pull request edits: due whatever else it does (``flow.owners``).
    record_results: list[NeedResult] = field(default_factory=list)

    def due(self) -> list[ChangePlan]:
        """Changes this pull request authorises: their approvals must be complete."""
        return [item for item in self.plan.changes if item.grants_authorisation and item.needs]

    def unreadable(self) -> list[str]:
        """Changes the pull request adds or edits that are invalid at its head, so cannot be judged.

        An invalid record is left out of the plan; without this, a pull request that
        approves a change and adds an unknown field (``approvedBy: [...]``, say) would
        pass for one that needs no approval. It fails closed instead.
        """
        judged = {item.change.name for item in self.plan.changes}
        return sorted(
            {d.name for d in self.plan.records if d.kind == "Change" and d.action != "removed" and d.name not in judged}
        )

    def invalid_policies(self) -> list[str]:
        """Policies of the trusted catalog that do not load, so the approvals they require are unknown."""
        return self.plan.invalid_base_policies()

    def refused_steps(self) -> list[Finding]:
        """Lifecycle findings of the plan (a step that is not allowed, a scope edited under an approval, a taken
        id): no approval makes such a merge right, so the review fails with them."""
        return [finding for finding in self.plan.findings if finding.rule in FLOW_RULES]

    @property
    def satisfied(self) -> bool:
        ready = all(all(r.satisfied for r in self.results[item.change.name]) for item in self.due())
        owners = all(r.satisfied for r in self.record_results)
        clean = not self.unreadable() and not self.invalid_policies() and not self.refused_steps()
        return ready and owners and clean

    def missing(self) -> list[str]:
        lines = [f"{name}: invalid at the head, so its approvals cannot be checked" for name in self.unreadable()]
        lines += [f"{finding.location.path}: {finding.message}" for finding in self.refused_steps()]
        lines += [
            f"{path}: a Policy there is invalid or the file does not load, so the approvals it requires are "
            "unknown (fix it first)"
            for path in self.invalid_policies()
        ]
        for item in self.due():
            for result in self.results[item.change.name]:
                if not result.satisfied:
                    lines.append(f"{item.change.name}: {result.missing} more from {result.need.team}")
        for result in self.record_results:
            if not result.satisfied:
                lines.append(f"edited records: {result.missing} more from {result.need.team}")
        return lines


def latest_decisive_reviews(reviews: Iterable[Review]) -> dict[str, Review]:
    """Each reviewer's latest approval, change request or dismissal; comments do not change state."""
    latest: dict[str, Review] = {}
    ordered = sorted(reviews, key=lambda r: (r.submitted_at is None, r.submitted_at or 0, r.id))  # type: ignore[arg-type, return-value]
    for review in ordered:
        if review.state in _DECISIVE:
            latest[review.reviewer.lower()] = review
    return latest


def approvals_from_reviews(reviews: Iterable[Review], head_sha: str) -> list[Approval]:
    return [
        Approval(review.reviewer, "review", review.commit == head_sha, review.is_bot, f"review {review.id}")
        for review in latest_decisive_reviews(reviews).values()
        if review.state == "APPROVED"
    ]


def membership(trusted: Catalog, client: GitHubClient | None):  # type: ignore[no-untyped-def]
    def is_member(team_ref: str, identity: str) -> bool:
        if identity.lower() in team_members(trusted, team_ref):
            return True
        team = trusted.typed(team_ref)
        if client is not None and isinstance(team, Team) and team.github_team and "@" not in identity:
            return client.is_team_member(team.github_team, identity)
        return False

    return is_member


def excluded_identities(item: ChangePlan, authors: dict[str, str]) -> dict[str, str]:
    excluded = {requester.lower(): f"requested {item.change.name} (no self-approval)" for requester in item.requesters}
    for identity, why in authors.items():
        excluded.setdefault(identity.lower(), why)
    return excluded


def check_approvals(
    plan: Plan, approvals: list[Approval], authors: dict[str, str], is_member
) -> dict[str, list[NeedResult]]:  # type: ignore[no-untyped-def]
    """Count approvals per change; ``authors`` maps identities that authored the work to why they are out."""
    return {
        item.change.name: count_approvals(
            item.needs,
            approvals,
            excluded_identities(item, authors),
            is_member,
            requesters=item.requesters,
            identities=plan.identities,
        )
        for item in plan.changes
    }


def check_record_approvals(
    plan: Plan, approvals: list[Approval], authors: dict[str, str], is_member: Membership
) -> list[NeedResult]:
    """Count approvals for the owners of the records the pull request edits.

    The authors are out, and so is the requester of every change in the pull
    request: the record edits are part of what they ask for.
    """
    excluded = {identity.lower(): why for identity, why in authors.items()}
    requesters = [requester for item in plan.changes for requester in item.requesters]
    for item in plan.changes:
        for requester in item.requesters:
            excluded.setdefault(
                requester.lower(), f"requested {item.change.name} in this pull request (no self-approval)"
            )
    return count_approvals(
        plan.record_needs, approvals, excluded, is_member, requesters=requesters, identities=plan.identities
    )


def review_pull_request(repo: git.Repo, client: GitHubClient, number: int, base: str | None = None) -> ReviewOutcome:
    """Plan the pull request and count its reviews; ``base`` overrides the base (e.g. the merge's first parent)."""
    pull = client.pull_request(number)
    try:
        resolve_commit(repo, pull.head_sha)
    except ItsmError:
        raise ItsmError(
            f"the head {pull.head_sha[:12]} of #{number} is not in this clone; "
            f"fetch it first (git fetch origin pull/{number}/head) or check out with fetch-depth: 0"
        ) from None
    if base is None:
        base = pull.base_sha
        try:
            base = resolve_commit(repo, f"origin/{pull.base_ref}").hexsha
        except ItsmError:
            pass  # no remote-tracking branch: the base as GitHub last saw it
    plan = build_plan(repo, base, pull.head_sha)
    approvals = approvals_from_reviews(client.reviews(number), pull.head_sha)
    authors = {pull.author: "opened the pull request (no self-approval)"}
    is_member = membership(plan.trusted_catalog, client)
    results = check_approvals(plan, approvals, authors, is_member)
    return ReviewOutcome(pull, plan, results, check_record_approvals(plan, approvals, authors, is_member))

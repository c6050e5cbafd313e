"""Which approvals a change needs, and whether the approvals it has meet them.

Requirements come from the ``approvals`` of Policy records: each has a CEL
``when`` (over ``change``, ``spec``, ``metadata``, ``name``, ``type``,
``targets`` and ``risk``) and a list of ``require`` items: N approvals from
members of a team, or one from the owning team of each target. The same
counting serves code review (GitHub reviews), trailers (``Approved-by:``) and
the audit of history: ``rejection`` is the one place that decides whether an
approval counts, so ``review``, ``plan`` and ``audit`` cannot disagree. It never
counts the requester's or the author's own approval (unless the policy allows
it), a bot's, one given on an earlier head, one from outside the team, or one
recorded by the requester (``Approved-by:`` on a merge the requester made).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from itsmctl.flow.identities import NOBODY_TIED, Identities
from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import Change, Policy, Team
from itsmctl.policy.cel import CelError, activation, compile_expression
from itsmctl.policy.cel_bound import RecordSizes

# The "team" of an approval need for a target whose owner is unknown: no one is a member.
UNKNOWN_OWNER = "owner-unknown:"


@dataclass(frozen=True)
class ApprovalNeed:
    requirement: str  # POLICY/APPROVAL id
    label: str  # "2 approvals from team:cab"
    team: str  # team:NAME whose members may approve
    count: int
    allow_self: bool
    # Why it applies, when that is not obvious: "risk from the base catalog: medium (30)".
    reason: str = ""
    # For the owners of edited records: the records (kind:name) that bring it in.
    records: tuple[str, ...] = ()


@dataclass(frozen=True)
class RiskBasis:
    """One reading of a change's risk, and the catalog it was read from (for explanations)."""

    level: str
    score: int
    source: str = ""  # e.g. "the base catalog"

    def describe(self) -> str:
        return (
            f"risk from {self.source}: {self.level} ({self.score})"
            if self.source
            else f"risk {self.level} ({self.score})"
        )


OwnerOf = Callable[[str], str | None]


@dataclass(frozen=True)
class Approval:
    """One approval as given: who, and whether it still counts for the current head."""

    identity: str  # GitHub login or e-mail address
    source: str  # "review" or "trailer"
    current: bool = True  # given on the current head commit
    is_bot: bool = False
    detail: str = ""  # e.g. the review or commit it came from
    # Who wrote down the approval when it is not the code host's own record: the
    # author and committer of the merge carrying Approved-by trailers, or the
    # writer of an evidence note. Lower-case identities.
    recorded_by: frozenset[str] = frozenset()


@dataclass
class NeedResult:
    need: ApprovalNeed
    approvers: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (identity, why)

    @property
    def satisfied(self) -> bool:
        return len(self.approvers) >= self.need.count

    @property
    def missing(self) -> int:
        return max(0, self.need.count - len(self.approvers))


def _risk_variables(level: str, score: int) -> dict[str, object]:
    return {"level": level, "score": score}


@dataclass(frozen=True)
class ConditionFailure:
    """An approval requirement's ``when`` that failed on a change; the requirement then applies."""

    policy: Policy
    index: int  # of the requirement in the policy's approvals
    change: str
    message: str


def applicable_requirements(
    change: Change,
    policies: Iterable[Policy],
    risk_level: str,
    risk_score: int,
    failures: list[ConditionFailure] | None = None,
) -> list[tuple[Policy, int]]:
    """(policy, index) of every approval requirement whose ``when`` holds for the change.

    A ``when`` that cannot be evaluated (division by zero, a missing field) or is not a
    boolean makes its requirement apply: fail closed. It is added to ``failures``, so the
    caller can say so.
    """
    variables = {
        "change": change.record.body,
        "spec": change.record.spec,
        "metadata": change.record.metadata,
        "name": change.name,
        "type": change.type,
        "targets": list(change.target_refs),
        "risk": _risk_variables(risk_level, risk_score),
    }
    context = activation(variables)
    sizes = RecordSizes(variables)
    found = []
    for policy in policies:
        for requirement in policy.approvals:
            if requirement.when is not None:
                try:
                    condition = compile_expression(requirement.when)
                    condition.check_cost(sizes)
                    applies = condition.evaluate(context)
                    if not isinstance(applies, bool):
                        raise CelError(f"when returned {type(applies).__name__}, not a boolean")
                except CelError as error:
                    applies = True  # fail closed: a broken condition still demands approval
                    if failures is not None:
                        failures.append(ConditionFailure(policy, requirement.index, change.name, str(error)))
                if applies is not True:
                    continue
            found.append((policy, requirement.index))
    return found


def required_approvals(
    change: Change,
    policies: Iterable[Policy],
    owner_of: OwnerOf,
    risk_level: str,
    risk_score: int,
    failures: list[ConditionFailure] | None = None,
) -> list[ApprovalNeed]:
    """What approvals policy requires; ``owner_of`` gives the owning team of a target (from a trusted revision).

    Conditions that fail make their requirement apply and are added to ``failures``.
    """
    return stricter_approvals(change, policies, (owner_of,), (RiskBasis(risk_level, risk_score),), failures)


def stricter_approvals(
    change: Change,
    policies: Iterable[Policy],
    owners_of: Sequence[OwnerOf],
    risks: Sequence[RiskBasis],
    failures: list[ConditionFailure] | None = None,
) -> list[ApprovalNeed]:
    """Everything that any reading requires: every requirement whose ``when`` holds under one of ``risks``,
    and for ``owners`` the owning team of each target under any of ``owners_of``.

    A pull request can edit what its own requirements are computed from (a
    target's tier, a risk weight, an owner), so ``plan`` reads them from both the
    base branch and the head and asks for the union: what either would require.
    Conditions that fail make their requirement apply and are added to ``failures`` (once each).
    """
    policies = list(dict.fromkeys(policies))  # the base's and the head's are often the very same records
    applying: dict[tuple[Policy, int], list[RiskBasis]] = {}
    for basis in risks:
        for policy, index in applicable_requirements(change, policies, basis.level, basis.score, failures):
            found = applying.setdefault((policy, index), [])
            if basis not in found:
                found.append(basis)
    if failures is not None:
        failures[:] = list(dict.fromkeys(failures))
    needs: list[ApprovalNeed] = []
    for (policy, index), bases in applying.items():
        requirement = policy.approvals[index]
        requirement_id = f"{policy.name}/{requirement.id}"
        # Say which reading brought it in only when some reading would not have.
        reason = "; ".join(b.describe() for b in bases) if len(bases) < len(risks) else ""
        for rule in requirement.require:
            if rule.team:
                needs.append(
                    ApprovalNeed(
                        requirement_id,
                        f"{rule.count} approval(s) from {rule.team}",
                        rule.team,
                        rule.count,
                        requirement.allow_self_approval,
                        reason,
                    )
                )
            if rule.owners:
                owners = sorted({owner for ref in change.target_refs for lookup in owners_of if (owner := lookup(ref))})
                # A target whose owner is unknown in every reading (its record is missing or
                # invalid) still needs its owner's approval: one nobody can give until it is fixed.
                for ref in change.target_refs:
                    if not any(lookup(ref) for lookup in owners_of):
                        needs.append(
                            ApprovalNeed(
                                requirement_id,
                                f"{rule.count} approval(s) from the owner of {ref}, which is unknown "
                                "(its record is missing or invalid)",
                                f"{UNKNOWN_OWNER}{ref}",
                                rule.count,
                                requirement.allow_self_approval,
                                reason,
                            )
                        )
                for owner in owners:
                    needs.append(
                        ApprovalNeed(
                            requirement_id,
                            f"{rule.count} approval(s) from owner {owner}",
                            owner,
                            rule.count,
                            requirement.allow_self_approval,
                            reason,
                        )
                    )
    return _merge(needs)


def _merge(needs: list[ApprovalNeed]) -> list[ApprovalNeed]:
    """The same team asked for twice needs the larger count, not both."""
    merged: dict[str, ApprovalNeed] = {}
    for need in needs:
        existing = merged.get(need.team)
        if existing is None:
            merged[need.team] = need
            continue
        larger = need if need.count > existing.count else existing
        reasons = [r for r in dict.fromkeys((existing.reason, need.reason)) if r]
        merged[need.team] = ApprovalNeed(
            f"{existing.requirement}, {need.requirement}",
            larger.label,
            need.team,
            larger.count,
            # Self-approval only where every requirement allows it.
            need.allow_self and existing.allow_self,
            # A requirement that holds on every reading needs no reason; merged with one that does, it still holds.
            "" if not (existing.reason and need.reason) else "; ".join(reasons),
            tuple(dict.fromkeys((*existing.records, *need.records))),
        )
    return list(merged.values())


def team_members(catalog: Catalog, team_ref: str) -> frozenset[str]:
    team = catalog.typed(team_ref)
    return frozenset(m.lower() for m in team.members) if isinstance(team, Team) else frozenset()


Membership = Callable[[str, str], bool]  # (team ref, identity) -> member?


def rejection(
    approval: Approval,
    need: ApprovalNeed,
    requesters: frozenset[str],
    excluded: dict[str, str],
    is_member: Membership,
    identities: Identities = NOBODY_TIED,
) -> str | None:
    """Why ``approval`` does not count towards ``need``, or None when it counts.

    ``requesters`` (lower case) requested what is approved; ``excluded`` maps
    the identities that may not approve it (requesters, authors, merger) to why.
    ``identities`` says which logins and addresses are one person: someone
    excluded is excluded under every name of theirs (``flow.identities``).
    """
    who = approval.identity.lower()
    if approval.is_bot or who.endswith("[bot]"):  # a "[bot]" login is an app on GitHub, whatever else is claimed
        return "bots cannot approve"
    if not approval.current:
        return "approved an earlier commit; a new push needs a new approval"
    same = identities.matching(who, excluded)
    if same is not None and not need.allow_self:
        return excluded[same] if same == who else f"{excluded[same]}; {who} is {same} (the same person)"
    recorders = [recorder for recorder in approval.recorded_by if identities.matching(recorder, requesters)]
    if recorders and not (identities.matching(who, requesters) and need.allow_self):
        # The requester wrote this approval down themselves: a claim, not evidence of anyone's approval.
        where = "an Approved-by trailer on a merge made by" if approval.source == "trailer" else "a note written by"
        return f"{where} the requester: their own claim, not evidence of an approval"
    if not is_member(need.team, who):
        return f"not a member of {need.team}"
    return None


def count_approvals(
    needs: list[ApprovalNeed],
    approvals: list[Approval],
    excluded: dict[str, str],
    is_member: Membership,
    *,
    requesters: Iterable[str],
    identities: Identities = NOBODY_TIED,
) -> list[NeedResult]:
    """Match approvals to needs; ``rejection`` decides for each approval and need.

    One person counts once, under whichever of their names (``identities``) an approval counts.
    """
    requested_by = frozenset(requester.lower() for requester in requesters)
    excluded = {identity.lower(): why for identity, why in excluded.items()}
    results = []
    for need in needs:
        result = NeedResult(need)
        seen: set[str] = set()
        for approval in approvals:
            who = approval.identity.lower()
            if who in seen:
                continue
            seen.add(who)
            why = rejection(approval, need, requested_by, excluded, is_member, identities)
            if why is None and (earlier := identities.matching(who, result.approvers)) is not None:
                why = f"{earlier} already approved; {who} is the same person"
            if why is None:
                result.approvers.append(approval.identity)
            else:
                result.rejected.append((approval.identity, why))
        results.append(result)
    return results

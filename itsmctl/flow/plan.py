"""``plan``: what a pull request changes, and whether the change flow allows it.

Three revisions matter: the head of the pull request, the base branch tip, and
their merge base. What the pull request *did* is the diff merge-base -> head;
what is *trusted* (teams, policies, owners used to decide who must approve) is
the base branch tip, so a pull request cannot weaken the rules that judge it.
Whatever else a requirement is computed from (risk, freezes, templates, policy
rules) is read from both the base tip and the head, and the stricter counts
(see ``baseline``); edits to owned records need their owners (see ``owners``).
Only the head is loaded in full (and validated); of the other two revisions
only the files that differ from the head are read, from git objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import git

from itsmctl.findings import Finding, Severity, sort_findings
from itsmctl.flow.approvals import ApprovalNeed, ConditionFailure, stricter_approvals
from itsmctl.flow.baseline import (
    BaseChecks,
    CatalogRisk,
    assess_on_both,
    base_planning,
    pre_approving_template,
    risk_bases,
    stricter,
)
from itsmctl.flow.diff import FieldChange, RecordDiff, diff_values
from itsmctl.flow.identities import NOBODY_TIED, Identities, identities_of
from itsmctl.flow.landing import landing_problems
from itsmctl.flow.lifecycle import check_transition, edited_scope
from itsmctl.flow.owners import record_owner_needs
from itsmctl.flow.policy_doubt import trusted_policies_in_doubt
from itsmctl.graph.cmdb import DependencyGraph
from itsmctl.load.records import LoadResult, index_catalog
from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import Change, Policy
from itsmctl.model.record import Record
from itsmctl.risk.score import RiskAssessment
from itsmctl.rules._planning import planning_of
from itsmctl.rules.base import CheckContext
from itsmctl.rules.policy_expression import ID as EXPRESSION_RULE
from itsmctl.validation import ValidationResult, check_loaded
from itsmctl.vcs.git import load_paths, load_revision, merge_base, resolve_commit
from itsmctl.vcs.mailmap import read_mailmap

AUTHORISED_OR_CLOSED = frozenset({"approved", "scheduled", "in-progress", "completed", "failed", "rolled-back"})
TRANSITION_RULE = "illegal-transition"
SCOPE_RULE = "approved-scope-edit"
COLLISION_RULE = "change-id-collision"
# Lifecycle findings: a merge with one of them is wrong whatever approvals it has.
FLOW_RULES = frozenset({TRANSITION_RULE, SCOPE_RULE, COLLISION_RULE})


@dataclass
class ChangePlan:
    change: Change
    previous: Change | None
    risks: tuple[CatalogRisk, ...]  # assessed on the head's catalog, then on the base branch's
    needs: list[ApprovalNeed]
    template: str | None  # the StandardChange that pre-approves it, when it matches
    # Who requested it, as the head, the merge base and the base tip name them: none of them may approve
    # it, so a pull request cannot make the requester's approval count by rewriting ``spec.requester``.
    requesters: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.change.requester not in self.requesters:
            self.requesters = (self.change.requester, *self.requesters)

    @property
    def stricter_risk(self) -> CatalogRisk:
        return stricter(self.risks)

    @property
    def risk(self) -> RiskAssessment:
        """The higher of the readings: what the change is shown and judged with."""
        return self.stricter_risk.assessment

    @property
    def risk_graph(self) -> DependencyGraph:
        """The graph the shown risk's blast radius refers to."""
        return self.stricter_risk.graph

    @property
    def transition(self) -> tuple[str | None, str]:
        return (self.previous.status if self.previous else None, self.change.status)

    @property
    def grants_authorisation(self) -> bool:
        """Whether merging this pull request authorises the change: approvals are due now."""
        authorised = AUTHORISED_OR_CLOSED
        before = self.previous.status if self.previous else None
        return self.change.status in authorised and before not in authorised


@dataclass
class Plan:
    base: str
    head: str
    merge_base: str
    records: list[RecordDiff]
    changes: list[ChangePlan]
    findings: list[Finding]
    validation: ValidationResult
    head_catalog: Catalog
    trusted_catalog: Catalog
    # Approvals due for the owned records the pull request edits (``owners``), change or not.
    record_needs: list[ApprovalNeed] = field(default_factory=list)
    # Who is one person under several names, for excluding requesters and authors (``flow.identities``).
    identities: Identities = NOBODY_TIED
    # Files on the base branch that may hide a Policy (``policy_doubt``); only looked for when a change is
    # authorised here, since only then are the requirements needed.
    policies_in_doubt: list[str] = field(default_factory=list)

    def invalid_base_policies(self) -> list[str]:
        """Files of the base branch that may hide a Policy, when the pull request authorises a change.

        An invalid Policy has no typed view and would simply not apply: one that a new itsmctl
        reads differently (``allowSelfApproval: no`` is the text "no" in YAML 1.2), or a policy
        file that is no YAML at all (``flow.policy_doubt``), must not turn into a pull request
        that needs no approval. ``review`` and ``plan --approvals trailers`` fail closed on it,
        as the audit does.
        """
        if not any(item.grants_authorisation for item in self.changes):
            return []  # nothing is authorised here: the requirements are not needed now
        return self.policies_in_doubt


def _changed_paths(repo: git.Repo, old: str, new: str) -> set[str]:
    """Paths that differ between two commits (both sides of a rename)."""
    output = repo.git.diff("--name-status", "-z", "-M", "--no-color", old, new, "--", stdout_as_string=False)
    fields = [f.decode("utf-8", "surrogateescape") for f in output.split(b"\0") if f]
    changed: set[str] = set()
    index = 0
    while index < len(fields):
        # Renames and copies carry two paths; records are matched by identity anyway.
        width = 3 if fields[index].startswith(("R", "C")) else 2
        changed.update(fields[index + 1 : index + width])
        index += width
    return changed


def _through_links(changed: set[str], head: LoadResult) -> set[str]:
    """``changed``, and every record file read through a symlink whose chain passes a changed path: editing
    only a link's target (or a link on the way) changes the records at the link."""
    return changed | {path for path, chain in head.links.items() if not changed.isdisjoint(chain)}


def _keyed(records: list[Record]) -> dict[tuple[str, str], Record]:
    keyed: dict[tuple[str, str], Record] = {}
    for record in records:
        if record.kind and record.name:
            keyed.setdefault((record.kind, record.name), record)
    return keyed


def _mixed(head: LoadResult, replaced: set[str], other: LoadResult) -> Catalog:
    """Head's records, except those in ``replaced`` files, which come from ``other``."""
    kept = [r for r in head.catalog.records if r.path not in replaced]
    return index_catalog([*kept, *other.catalog.records])


def _record_diffs(before: dict[tuple[str, str], Record], after: dict[tuple[str, str], Record]) -> list[RecordDiff]:
    diffs = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old is None and new is not None:
            diffs.append(RecordDiff(key[0], key[1], "added", new.path, None))
        elif new is None and old is not None:
            diffs.append(RecordDiff(key[0], key[1], "removed", old.path, old.path))
        elif old is not None and new is not None:
            fields = diff_values(old.body, new.body)
            if fields or old.path != new.path:
                diffs.append(RecordDiff(key[0], key[1], "modified", new.path, old.path, fields))
    return diffs


def _flow_findings(
    ctx: CheckContext,
    change: Change,
    previous: Change | None,
    fields: list[FieldChange],
    pre_approved: bool,
    tip: Change | None = None,
) -> list[Finding]:
    """Lifecycle findings of the step merge base -> head, and of the step the merge makes on the base tip,
    where the change is ``tip`` now (``landing``): both must be allowed."""
    findings = []
    record = change.record
    verdict = check_transition(
        previous.status if previous else None, change.status, change.type, pre_approved, change.pir is not None
    )
    if not verdict.allowed:
        findings.append(ctx.finding(TRANSITION_RULE, Severity.ERROR, record, ("spec", "status"), verdict.reason))
    if previous is not None:
        for name in edited_scope(previous.status, change.status, lambda: fields):
            findings.append(
                ctx.finding(
                    SCOPE_RULE,
                    Severity.ERROR,
                    record,
                    ("spec", name),
                    f"spec.{name} of {change.name} changed after it was {previous.status}",
                    "set status back to requested in the same pull request, so it is approved again",
                )
            )
    for problem in landing_problems(change, previous, tip, pre_approved):
        rule = SCOPE_RULE if problem.scope else TRANSITION_RULE
        findings.append(
            ctx.finding(rule, Severity.ERROR, record, ("spec", problem.field), problem.message, problem.hint)
        )
    return findings


def _condition_findings(ctx: CheckContext, failures: list[ConditionFailure]) -> list[Finding]:
    """An approval ``when`` that failed on a change: the requirement applied anyway (fail closed); say why."""
    findings: dict[tuple[str, int, int, str], Finding] = {}
    for failure in failures:
        finding = ctx.finding(
            EXPRESSION_RULE,
            Severity.ERROR,
            failure.policy.record,
            ("spec", "approvals", failure.index, "when"),
            f"approval {failure.policy.name}/{failure.policy.approvals[failure.index].id}: when cannot be evaluated "
            f"for change:{failure.change}: {failure.message}; the requirement applies",
            "guard optional fields with has(spec.field); check divisors and types",
        )
        # The base's and the head's copy of one policy fail alike: report it once.
        where = finding.location
        findings.setdefault((where.path, where.line, where.column, finding.message), finding)
    return list(findings.values())


def _trusted_policies(trusted: Catalog, head: Catalog) -> list[Policy]:
    """Base policies always apply; the head's apply too, so a PR may tighten but never loosen."""
    return [*trusted.policies.values(), *head.policies.values()]


def _requester_of(record: Record | None) -> str | None:
    """The requester a version of a change names, read from the record even when it is invalid."""
    spec = record.body.get("spec") if record is not None else None
    requester = spec.get("requester") if isinstance(spec, dict) else None
    return requester if isinstance(requester, str) else None


def _requesters(*versions: Record | None) -> tuple[str, ...]:
    named = (_requester_of(version) for version in versions)
    return tuple(dict.fromkeys(requester for requester in named if requester))


def _kinds_in(loaded: LoadResult, paths: set[str]) -> set[str]:
    return {r.kind for r in loaded.catalog.records if r.path in paths and r.kind}


def build_plan(repo: git.Repo, base_rev: str, head_rev: str = "HEAD") -> Plan:
    base = resolve_commit(repo, base_rev)
    head = resolve_commit(repo, head_rev)
    ancestor = merge_base(repo, base, head)

    head_loaded = load_revision(repo, head.hexsha)
    ctx = CheckContext(head_loaded.catalog, head_loaded.locator)
    validation = check_loaded(head_loaded, ctx)

    pr_paths = _through_links(_changed_paths(repo, ancestor.hexsha, head.hexsha), head_loaded)
    before_loaded = load_paths(repo, ancestor.hexsha, pr_paths)
    drift_paths = _through_links(_changed_paths(repo, base.hexsha, head.hexsha), head_loaded)
    base_loaded = load_paths(repo, base.hexsha, drift_paths)
    trusted = _mixed(head_loaded, drift_paths, base_loaded)

    head_in_pr = [r for r in head_loaded.catalog.records if r.path in pr_paths]
    before = _keyed(before_loaded.catalog.records)
    after = _keyed(head_in_pr)
    records = _record_diffs(before, after)

    planning = planning_of(ctx)  # the one validation built for the schedule rules
    edited_kinds = _kinds_in(head_loaded, drift_paths) | _kinds_in(base_loaded, drift_paths)
    at_base = base_planning(trusted, planning, edited_kinds)
    policies = _trusted_policies(trusted, head_loaded.catalog)
    owners_of = (trusted.owner_of, head_loaded.catalog.owner_of)
    findings = list(validation.findings)
    checks = BaseChecks(trusted, at_base, head_loaded.locator, findings)
    if "Policy" in edited_kinds:  # otherwise the base's rules are the head's, which validate applied
        checks.policy_rules(after[(d.kind, d.name)] for d in records if d.action != "removed")
    changes: list[ChangePlan] = []
    for diff in records:
        if diff.kind != "Change" or diff.action == "removed":
            continue
        change = head_loaded.catalog.changes.get(diff.name)
        if change is None or change.record.path not in pr_paths:
            continue  # invalid at head: validation already reports why
        old_record = before.get(("Change", diff.name))
        previous = old_record.typed if old_record is not None else None
        risks = assess_on_both(change, planning, at_base)
        level = stricter(risks).assessment.level
        template = pre_approving_template(change, trusted, head_loaded.catalog, level)
        tip_record = trusted.by_ref.get(f"change:{diff.name}")
        tip = tip_record.typed if tip_record is not None and isinstance(tip_record.typed, Change) else None
        findings.extend(_flow_findings(ctx, change, previous, diff.fields, template is not None, tip))
        checks.freezes(change, {h.freeze.name for h in planning.freeze_hits(change) if not h.allowed})
        checks.template(change, head_loaded.catalog, level)
        if previous is None and diff.name in trusted.changes:
            other = trusted.changes[diff.name].record
            findings.append(
                ctx.finding(
                    COLLISION_RULE,
                    Severity.ERROR,
                    change.record,
                    ("metadata", "name"),
                    f"change id {diff.name} is already taken on the base branch ({other.path})",
                    "pick a new id: 'itsmctl new change' generates collision-free ones",
                )
            )
        failures: list[ConditionFailure] = []
        needs = [] if template else stricter_approvals(change, policies, owners_of, risk_bases(risks), failures)
        findings.extend(_condition_findings(ctx, failures))
        requesters = _requesters(change.record, old_record, tip_record)
        changes.append(ChangePlan(change, previous, risks, needs, template, requesters))
    doubts: list[str] = []
    if any(item.grants_authorisation for item in changes):
        kept = [f for f in head_loaded.findings if f.location.path not in drift_paths]
        doubts = trusted_policies_in_doubt(
            repo,
            base.hexsha,
            [*(f for f in head_loaded.files if f not in drift_paths), *base_loaded.files],
            [*kept, *base_loaded.findings],
            trusted.records,
        )
    return Plan(
        base=base.hexsha,
        head=head.hexsha,
        merge_base=ancestor.hexsha,
        records=records,
        changes=changes,
        findings=sort_findings([*findings, *checks.findings]),
        validation=validation,
        head_catalog=head_loaded.catalog,
        trusted_catalog=trusted,
        record_needs=record_owner_needs(records, trusted),
        # Ties only ever exclude more people, so the base's and the head's both apply.
        identities=identities_of(
            (trusted, head_loaded.catalog), (read_mailmap(repo, base.hexsha), read_mailmap(repo, head.hexsha))
        ),
        policies_in_doubt=doubts,
    )

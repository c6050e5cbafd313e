"""The base branch's view of a pull request's changes: the other half of "the stricter of base and head".

A pull request can edit every input its own requirements are computed from:
a target's tier, ``dependsOn`` links, redundancy and maintenance windows, an
SLA, risk weights, freezes, past changes and incidents (history), policy rules
and standard-change templates. Read only from its head, each of those lets it
lower its own bar. So ``plan`` reads them from the base branch too and keeps
the stricter result:

* risk is assessed on both catalogs; the higher reading is shown and every
  approval requirement that either reading triggers is required
  (``approvals.stricter_approvals``);
* a standard change is pre-approved only when it fits its template on both;
* the base branch's policy rules and freezes still apply to the records and
  changes the pull request edits (findings, as ``validate`` would report them).

The base catalog is already loaded (it decides team membership), and its
dependency graph is the head's when the pull request touches no service or CI,
so this costs little more than the head's own assessment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from itsmctl.findings import Finding, Severity
from itsmctl.flow.approvals import RiskBasis
from itsmctl.flow.templates import template_match, template_problems
from itsmctl.graph.cmdb import DependencyGraph
from itsmctl.load.locate import Locator
from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import AUTHORISED_STATUSES, Change
from itsmctl.model.record import Record
from itsmctl.policy.engine import PolicyEvaluator, compile_rules
from itsmctl.risk.conflicts import SCHEDULED_STATUSES
from itsmctl.risk.planning import Planning
from itsmctl.risk.score import LEVELS, RiskAssessment, assess
from itsmctl.rules import freeze_violation, standard_change

GRAPH_KINDS = frozenset({"Service", "ConfigurationItem"})
HEAD, BASE = "head", "base"
CATALOG_NAMES = {HEAD: "the head catalog", BASE: "the base catalog"}
_WHY = "read from the base branch: a pull request cannot loosen it for its own records"


@dataclass(frozen=True)
class CatalogRisk:
    """A change's risk assessed on one catalog, with the graph its blast radius refers to."""

    catalog: str  # HEAD or BASE
    assessment: RiskAssessment
    graph: DependencyGraph

    @property
    def basis(self) -> RiskBasis:
        return RiskBasis(self.assessment.level, self.assessment.score, CATALOG_NAMES[self.catalog])


def base_planning(trusted: Catalog, head: Planning, edited_kinds: set[str]) -> Planning:
    """Planning over the base catalog; it shares the head's graph when no service or CI differs."""
    same_graph = not (edited_kinds & GRAPH_KINDS)
    return Planning(
        trusted,
        now=head.now,
        graph=head.graph if same_graph else None,
        impacts=head.impacts if same_graph else None,
        # Conflicts only for the few changes planned, by a linear scan: no sweep over the whole schedule.
        scheduled=list(trusted.changes.values()),
    )


def assess_on_both(change: Change, head: Planning, base: Planning) -> tuple[CatalogRisk, CatalogRisk]:
    return (
        CatalogRisk(HEAD, assess(change, head), head.graph),
        CatalogRisk(BASE, assess(change, base), base.graph),
    )


def _rank(risk: CatalogRisk) -> tuple[int, int]:
    return LEVELS.index(risk.assessment.level), risk.assessment.score


def stricter(risks: Iterable[CatalogRisk]) -> CatalogRisk:
    """The higher reading (level, then score); the first one on a tie."""
    ordered = list(risks)
    best = ordered[0]
    for risk in ordered[1:]:
        if _rank(risk) > _rank(best):
            best = risk
    return best


def risk_bases(risks: Iterable[CatalogRisk]) -> list[RiskBasis]:
    """Each catalog's reading, and the maxima together when no single reading has both."""
    return with_maxima([risk.basis for risk in risks])


def with_maxima(bases: list[RiskBasis]) -> list[RiskBasis]:
    level = max((b.level for b in bases), key=LEVELS.index)
    score = max(b.score for b in bases)
    if all((b.level, b.score) != (level, score) for b in bases):
        return [*bases, RiskBasis(level, score, "the stricter of both catalogs")]
    return bases


def pre_approving_template(change: Change, trusted: Catalog, head: Catalog, level: str) -> str | None:
    """The template that pre-approves the change as the base branch and the head both have it, or None."""
    on_base = template_match(change, trusted, level)
    return on_base if on_base is not None and template_match(change, head, level) == on_base else None


def _key(finding: Finding) -> tuple[str, str, int, str]:
    return finding.rule, finding.location.path, finding.location.line, finding.message


class BaseChecks:
    """The base branch's policy rules, freezes and templates, applied to what the pull request edits."""

    def __init__(self, trusted: Catalog, planning: Planning, locator: Locator, known: Iterable[Finding]) -> None:
        self.trusted = trusted
        self.planning = planning
        self.locator = locator
        self.seen = {_key(f) for f in known}
        self.findings: list[Finding] = []

    def _add(self, finding: Finding) -> None:
        if _key(finding) not in self.seen:
            self.seen.add(_key(finding))
            self.findings.append(finding)

    def _at(self, rule: str, severity: Severity, record: Record, path: tuple[str, ...], message: str) -> None:
        self._add(Finding(rule, severity, message, self.locator.locate(record, path), _WHY))

    def policy_rules(self, records: Iterable[Record]) -> None:
        """The base branch's policy rules over the records the pull request adds or edits (as at its head)."""
        compiled, _ = compile_rules(self.trusted.policies.values())  # a broken base rule is the base's finding
        for finding in PolicyEvaluator(compiled).evaluate(records, self.locator):
            self._add(finding)

    def freezes(self, change: Change, head_freezes: set[str]) -> None:
        """Freezes of the base branch that the change falls into and the head no longer has (or no longer covers it)."""
        if change.status not in SCHEDULED_STATUSES:
            return
        for hit in self.planning.freeze_hits(change):
            if hit.allowed or hit.freeze.name in head_freezes:
                continue  # allowed, or `validate` at the head already reports it
            severity = freeze_violation.SEVERITY if change.status in AUTHORISED_STATUSES else Severity.WARNING
            allowed = ", ".join(sorted(hit.freeze.allowed_types)) or "no change type"
            message = (
                f"{change.type} change inside freeze {hit.freeze.name!r} of the base branch (covers {hit.matched}); "
                f"it allows {allowed}"
            )
            self._at(freeze_violation.ID, severity, change.record, ("spec", "window"), message)

    def template(self, change: Change, head: Catalog, level: str) -> None:
        """How a standard change leaves its template as the base branch has it: not pre-approved here."""
        _, problems = template_problems(change, self.trusted, level)
        _, at_head = template_problems(change, head, level)  # `validate` reports these already
        for problem in problems:
            if problem in at_head:
                continue
            message = (
                f"{problem} (on the base branch, so it is not pre-approved: it needs the approvals of a normal change)"
            )
            self._at(standard_change.ID, Severity.WARNING, change.record, ("spec", "template"), message)

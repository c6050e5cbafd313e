"""The deploy gate: may this deploy go ahead now?

Open only when a change that is approved, scheduled or in progress covers the
deploy, its window contains the moment of the deploy, and no freeze forbids it.
Every change that was considered is reported with the reason it did not open the
gate, so a closed gate says what to do.

A change covers a deploy of service S when it targets S. With ``--ci C`` it covers
the deploy of S onto C when it targets both, or targets one of them and the CMDB
says S runs on C (C is among S's ``dependsOn`` CIs or the CIs they depend on): a
change to an unrelated host does not open a deploy of any service onto it, and a
change to S does not open a deploy of S onto a CI it does not run on.

A freeze forbids the deploy when it is in force at that moment, does not allow the
change's type (emergency changes pass only freezes that allow emergencies), and
covers either the change (its targets or their blast radius) or the deploy itself:
the service deployed, what depends on it, or the CI it lands on. A change to
another record cannot carry a deploy through a freeze on the deployed service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from itsmctl.graph.cmdb import DependencyGraph
from itsmctl.load.omitted import Omission
from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import AUTHORISED_STATUSES, Change, ConfigurationItem, Freeze
from itsmctl.model.lookup import why_unusable
from itsmctl.risk.planning import Planning

# Left out, these could open the gate by their absence: a freeze, a service or CI (a freeze
# covers a change through its blast radius; the deploy's own service and CI), or a document
# whose kind nobody knows. A missing change, team, SLA, incident... can only keep it closed.
# The same holds for a freeze whose scope, or a service or CI whose dependsOn, names nothing.
_ABSENCE_MAY_OPEN = frozenset({"Freeze", "Service", "ConfigurationItem", None})


@dataclass(frozen=True)
class Candidate:
    change: str
    status: str
    opens: bool
    reason: str


@dataclass
class GateDecision:
    service: str
    ci: str | None
    environment: str | None
    at: datetime
    open: bool = False
    change: str | None = None
    candidates: list[Candidate] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    omitted: list[Omission] = field(default_factory=list)


def _targets_deploy(change: Change, service_ref: str, ci_ref: str | None) -> bool:
    targets = set(change.target_refs)
    return service_ref in targets or (ci_ref is not None and ci_ref in targets)


def runs_on(graph: DependencyGraph, service_ref: str, ci_ref: str) -> bool:
    """Whether the CMDB puts the service on the CI: a ``dependsOn`` CI, or a CI those depend on."""
    seen = {service_ref}
    stack = [service_ref]
    while stack:
        for ref in graph.depends_on.get(stack.pop(), ()):
            if ref == ci_ref:
                return True
            if ref.startswith("ci:") and ref not in seen:
                seen.add(ref)
                stack.append(ref)
    return False


def _uncovered(change: Change, service_ref: str, ci_ref: str | None, on_ci: bool) -> str | None:
    """Why the change does not cover this deploy, or None when it does."""
    targets = set(change.target_refs)
    if ci_ref is None or (service_ref in targets and ci_ref in targets) or on_ci:
        return None
    named, other = (service_ref, ci_ref) if service_ref in targets else (ci_ref, service_ref)
    return (
        f"targets {named} but not {other}, and the CMDB does not put {service_ref} on {ci_ref}: "
        f"a change for this deploy targets both"
    )


def _judge(
    change: Change, planning: Planning, at: datetime, deploy_freezes: Sequence[tuple[Freeze, str]] = ()
) -> tuple[bool, str]:
    if change.status not in AUTHORISED_STATUSES:
        return False, f"is {change.status}; only approved, scheduled or in-progress changes open the gate"
    window = change.window
    if window is None:
        return False, "has no window"
    if at < window.start:
        return False, f"window starts {window.start.isoformat()}"
    if at >= window.end:
        return False, f"window ended {window.end.isoformat()}"
    for hit in planning.freeze_hits(change):
        if hit.freeze.window.contains(at) and not hit.allowed:
            return False, f"freeze {hit.freeze.name!r} is on and does not allow {change.type} changes"
    for freeze, matched in deploy_freezes:
        if change.type not in freeze.allowed_types:
            return False, (
                f"freeze {freeze.name!r} is on, covers this deploy ({matched}) and does not allow {change.type} changes"
            )
    return True, f"{change.type} change {change.status}, window {window.start.isoformat()} .. {window.end.isoformat()}"


def decide(
    catalog: Catalog,
    service: str,
    ci: str | None,
    environment: str | None,
    at: datetime,
    omitted: Sequence[Omission] = (),
) -> GateDecision:
    """The gate's decision; ``omitted`` are records the catalog could not hold (see ``load.omitted``).

    An omitted freeze, service, CI or unreadable document keeps the gate closed:
    its absence could otherwise open it (an invalid freeze forbids nothing).
    """
    service_ref = f"service:{service}"
    ci_ref = f"ci:{ci}" if ci else None
    decision = GateDecision(service, ci, environment, at, omitted=list(omitted))
    blocking = [entry for entry in omitted if entry.kind in _ABSENCE_MAY_OPEN]
    for entry in omitted:
        # A reference to nothing: the record was read, but what it names (a freeze's scope) is unknown.
        dangling = entry.rule == "dangling-reference"
        if entry in blocking:
            read = "" if dangling else "cannot read "
            decision.problems.append(f"{read}{entry.describe()}; the gate stays closed until it is fixed")
        else:
            ignored = "ignored" if dangling else "ignored invalid record"
            decision.problems.append(f"{ignored} {entry.describe()} (it cannot open the gate)")
    if service not in catalog.services:
        decision.problems.append(why_unusable(catalog, service_ref))
        return decision
    if ci is not None:
        item = catalog.cis.get(ci)
        if item is None:
            decision.problems.append(why_unusable(catalog, f"ci:{ci}"))
            return decision
        if environment and item.environment != environment:
            decision.problems.append(f"ci:{ci} is in {item.environment}, not {environment}")
            return decision
    elif environment:
        environments = {
            dep.environment
            for dep in (catalog.typed(ref) for ref in catalog.services[service].depends_on)
            if isinstance(dep, ConfigurationItem)
        }
        if environments and environment not in environments:
            decision.problems.append(
                f"service:{service} runs on no CI in {environment} ({', '.join(sorted(environments))})"
            )
            return decision
    planning = Planning(catalog, now=at)
    deploy_freezes = planning.deploy_freezes(service_ref, ci_ref, at)
    on_ci = ci_ref is not None and runs_on(planning.graph, service_ref, ci_ref)
    for change in sorted(catalog.changes.values(), key=lambda c: c.name):
        if not _targets_deploy(change, service_ref, ci_ref):
            continue
        uncovered = _uncovered(change, service_ref, ci_ref, on_ci)
        if uncovered is not None:
            opens, reason = False, uncovered
        else:
            opens, reason = _judge(change, planning, at, deploy_freezes)
        decision.candidates.append(Candidate(change.name, change.status, opens, reason))
        if opens and not decision.open and not blocking:
            decision.open = True
            decision.change = change.name
    return decision

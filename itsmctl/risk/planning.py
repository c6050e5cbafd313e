"""Everything risk, schedule and gate need, computed once per run and shared.

The graph is built once; blast radii are cached per distinct set of targets;
conflicts are found in one sweep over the schedule. ``risk --all`` over
thousands of changes therefore costs one graph plus one walk per change.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from itsmctl.graph.cmdb import DependencyGraph, build_graph
from itsmctl.graph.impact import BlastRadius, ImpactCache, Touch
from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import Change, Freeze, MaintenanceWindow, Window
from itsmctl.risk.conflicts import Conflict, PairCache, conflicts_of, find_conflicts
from itsmctl.risk.freezes import FreezeHit, freeze_hits, freezes_covering
from itsmctl.risk.history import History, history_from_changes
from itsmctl.risk.weights import Weights, merge_weights
from itsmctl.risk.windows import RuleError, any_window_covers

# The references risk, schedule and gate decide by: the graph, a change's targets, a freeze's scope.
# A report (or gate) that cannot follow one of them lists the record (see load.omitted).
PLANNING_REFERENCES: dict[str, tuple[str, ...]] = {
    "Service": ("dependsOn",),
    "ConfigurationItem": ("dependsOn",),
    "Change": ("targets",),
    "Freeze": ("services", "cis"),
}


class Planning:
    def __init__(
        self,
        catalog: Catalog,
        history: History | None = None,
        now: datetime | None = None,
        graph: DependencyGraph | None = None,
        impacts: ImpactCache | None = None,
        scheduled: list[Change] | None = None,
        pairs: PairCache | None = None,
    ) -> None:
        """``graph`` and ``impacts`` may be passed in when the CMDB did not change,
        ``scheduled`` limits conflict checks to those changes, and ``pairs`` carries
        per-change comparison data from one state to the next (audit replays history)."""
        self.scheduled = scheduled
        self.catalog = catalog
        self.now = now or datetime.now(UTC)
        self.graph: DependencyGraph = graph if graph is not None else build_graph(catalog)
        self.impacts = impacts if impacts is not None else ImpactCache(self.graph)
        overrides = [(p.name, p.risk_weights) for p in catalog.policies.values() if p.risk_weights]
        self.weights: Weights
        self.weights, self.weight_problems = merge_weights(overrides)
        self.history = (
            history
            if history is not None
            else history_from_changes(catalog.changes.values(), catalog.incidents.values())
        )
        self.freezes: list[Freeze] = sorted(catalog.freezes.values(), key=lambda f: (f.window.start, f.name))
        self._conflicts: dict[str, list[Conflict]] | None = None
        self._pairs = pairs

    def radius(self, change: Change) -> BlastRadius:
        return self.impacts.radius(change.touches)

    def conflicts(self, change: Change) -> list[Conflict]:
        if self.scheduled is not None:
            return self.conflicts_among(change, self.scheduled)
        if self._conflicts is None:
            self._conflicts = find_conflicts(list(self.catalog.changes.values()), self.radius)
        return self._conflicts.get(change.name, [])

    def conflicts_among(self, change: Change, others: list[Change]) -> list[Conflict]:
        """Conflicts of one change with the given changes only (no sweep over the whole schedule)."""
        if self._pairs is None:
            self._pairs = PairCache(self.radius)
        return conflicts_of(change, others, self.radius, self._pairs)

    def freeze_hits(self, change: Change) -> list[FreezeHit]:
        window = change.window
        if window is None:
            return []
        overlapping = [freeze for freeze in self.freezes if window.overlaps(freeze.window)]
        if not overlapping:
            return []  # no need to walk the blast radius
        return freeze_hits(change, window, self.radius(change), overlapping, self.graph, self.catalog)

    def deploy_freezes(self, service_ref: str, ci_ref: str | None, at: datetime) -> list[tuple[Freeze, str]]:
        """Freezes in force at ``at`` whose scope covers a deploy, each with the ref that brought it in.

        A deploy changes the service deployed, so what depends on it too (its blast radius),
        and the CI it lands on; it does not take that CI down, so not what else runs there.
        """
        current = [freeze for freeze in self.freezes if freeze.window.contains(at)]
        if not current:
            return []
        radius = self.impacts.radius((Touch(service_ref),))
        impacted = (ref for ref in radius.refs() if radius.depth[ref] > 0)
        refs = itertools.chain((service_ref,), (ci_ref,) if ci_ref else (), impacted)
        return freezes_covering(refs, current, self.graph, self.catalog)

    def maintenance_windows(self, ref: str) -> tuple[MaintenanceWindow, ...]:
        item = self.catalog.typed(ref)
        return getattr(item, "maintenance_windows", ())

    def outside_maintenance(self, change: Change, window: Window | None = None) -> tuple[list[str], list[str]]:
        """Targets whose declared maintenance windows do not contain the change window,
        and targets that declare none."""
        window = window or change.window
        outside, undeclared = [], []
        if window is None:
            return outside, undeclared
        for ref in change.target_refs:
            windows = self.maintenance_windows(ref)
            if not windows:
                undeclared.append(ref)
                continue
            try:
                covered = any_window_covers(windows, window.start, window.end)
            except RuleError:
                covered = True  # a broken rule is its own finding; do not double-count it
            if not covered:
                outside.append(ref)
        return outside, undeclared

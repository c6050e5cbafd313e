"""Change freezes: which freezes a change falls into, and whether its type may pass.

A freeze covers a change when their times overlap and the freeze's scope
matches a target of the change or anything in its blast radius: a freeze on
tier 1 services also stops a database change that tier 1 services depend on.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from itsmctl.graph.cmdb import DependencyGraph
from itsmctl.graph.impact import BlastRadius
from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import Change, Freeze, Window
from itsmctl.model.labels import labels_match


@dataclass(frozen=True)
class FreezeHit:
    freeze: Freeze
    allowed: bool  # the change's type is in the freeze's allowedTypes
    matched: str  # the target or impacted record that brought the change into scope

    @property
    def reason(self) -> str:
        name = self.freeze.name
        if self.allowed:
            return f"inside freeze {name!r} (covers {self.matched}), which allows this change type"
        return f"inside freeze {name!r} (covers {self.matched}), which does not allow this change type"


def _scope_match(freeze: Freeze, refs: Iterable[str], graph: DependencyGraph, catalog: Catalog) -> str | None:
    scope = freeze.scope
    if scope.everything:
        return "everything"
    for ref in refs:
        if ref in scope.services or ref in scope.cis:
            return ref
        node = graph.nodes.get(ref)
        if node is not None and node.tier is not None and node.tier in scope.tiers:
            return ref
        if scope.labels:
            record = catalog.by_ref.get(ref)
            labels = record.labels if record is not None else {}
            if labels_match(scope.labels, labels):
                return ref
    return None


def freezes_covering(
    refs: Iterable[str], freezes: Iterable[Freeze], graph: DependencyGraph, catalog: Catalog
) -> list[tuple[Freeze, str]]:
    """Each of ``freezes`` whose scope covers one of ``refs``, with the ref that brought it in."""
    refs = tuple(refs)
    hits = []
    for freeze in freezes:
        matched = _scope_match(freeze, refs, graph, catalog)
        if matched is not None:
            hits.append((freeze, matched))
    return hits


def freeze_hits(
    change: Change,
    window: Window,
    radius: BlastRadius,
    freezes: list[Freeze],
    graph: DependencyGraph,
    catalog: Catalog,
) -> list[FreezeHit]:
    hits = []
    for freeze in freezes:
        if not window.overlaps(freeze.window):
            continue
        # Targets first: the blast radius is only walked when they do not match.
        refs = itertools.chain(change.target_refs, (ref for ref in radius.refs() if radius.depth[ref] > 0))
        matched = _scope_match(freeze, refs, graph, catalog)
        if matched is not None:
            hits.append(FreezeHit(freeze, change.type in freeze.allowed_types, matched))
    return hits

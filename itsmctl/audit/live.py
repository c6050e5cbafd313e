"""The repository's records as they were at one commit, updated file by file while history is replayed."""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from itsmctl.findings import Finding
from itsmctl.graph.cmdb import DependencyGraph, build_graph
from itsmctl.graph.impact import ImpactCache
from itsmctl.load.locate import Locator
from itsmctl.load.records import check_record, load_source
from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import Change, Policy
from itsmctl.model.record import Record
from itsmctl.risk.conflicts import SCHEDULED_STATUSES, PairCache
from itsmctl.risk.history import History, PastOutcome
from itsmctl.risk.planning import Planning

_GRAPH_KINDS = frozenset({"Service", "ConfigurationItem"})


Problem = tuple[Record | None, Finding]  # what is wrong, and with which record (None: the file itself)


def parse_checked(path: str, data: bytes) -> tuple[list[Record], list[Problem]]:
    """The records of one version of a file, checked (``record.typed`` is None if invalid), and what is wrong."""
    records, findings = load_source(path, data)
    problems: list[Problem] = [(None, finding) for finding in findings]
    locator = Locator()
    for record in records:
        problems.extend((record, finding) for finding in check_record(record, locator))
    return records, problems


def parse_blob(path: str, data: bytes) -> list[Record]:
    return parse_checked(path, data)[0]


class LiveCatalog:
    """A catalog kept current as files change, so no commit re-indexes the whole repository."""

    def __init__(self) -> None:
        self.files: dict[str, list[Record]] = {}
        self.catalog = Catalog()
        self.history = History()
        self._graph: tuple[DependencyGraph, ImpactCache, PairCache] | None = None
        # Scheduled changes by window start, so conflict checks look only at
        # changes near in time rather than at every open change.
        self._starts: list[tuple[float, str]] = []
        self._scheduled: dict[str, Change] = {}
        self._longest = 0.0

    def records(self, path: str) -> list[Record]:
        return self.files.get(path, [])

    def replace(self, path: str, records: list[Record]) -> None:
        old = self.files.pop(path, [])
        for record in old:
            self._remove(record)
        if records:
            self.files[path] = records
        for record in records:
            self._add(record)
        if any(r.kind in _GRAPH_KINDS for r in (*old, *records)):
            self._graph = None  # the CMDB changed: rebuild the graph when next needed

    def _add(self, record: Record) -> None:
        if not record.name:
            return
        self.catalog.by_ref[record.ref] = record
        if record.typed is not None:
            self.catalog.table(record.kind)[record.name] = record.typed
            if isinstance(record.typed, Change):
                self._schedule(record.typed)

    def _remove(self, record: Record) -> None:
        if not record.name:
            return
        if self.catalog.by_ref.get(record.ref) is record:
            del self.catalog.by_ref[record.ref]
        table = self.catalog.table(record.kind)
        if record.typed is not None and table.get(record.name) is record.typed:
            del table[record.name]
            if isinstance(record.typed, Change):
                self._unschedule(record.typed)

    def _schedule(self, change: Change) -> None:
        if change.status in SCHEDULED_STATUSES and change.window is not None:
            self._scheduled[change.name] = change
            bisect.insort(self._starts, (change.window.start.timestamp(), change.name))
            self._longest = max(self._longest, change.window.length.total_seconds())

    def _unschedule(self, change: Change) -> None:
        if self._scheduled.pop(change.name, None) is not None and change.window is not None:
            key = (change.window.start.timestamp(), change.name)
            position = bisect.bisect_left(self._starts, key)
            if position < len(self._starts) and self._starts[position] == key:
                del self._starts[position]

    def policies(self) -> list[Policy]:
        return list(self.catalog.policies.values())

    def scheduled_near(self, change: Change | None) -> list[Change]:
        """Scheduled changes whose windows can overlap the change's."""
        if change is None or change.window is None:
            return []
        low = change.window.start.timestamp() - self._longest
        high = change.window.end.timestamp()
        first = bisect.bisect_left(self._starts, (low, ""))
        last = bisect.bisect_left(self._starts, (high, ""))
        return [self._scheduled[name] for _, name in self._starts[first:last]]

    def planning(self, change: Change | None = None) -> Planning:
        """Risk context of the current state; conflicts are looked for near ``change``."""
        if self._graph is None:
            graph = build_graph(self.catalog)
            impacts = ImpactCache(graph)
            # Comparison data per change lives as long as the CMDB graph it was computed on.
            self._graph = (graph, impacts, PairCache(lambda c: impacts.radius(c.touches)))
        graph, impacts, pairs = self._graph
        return Planning(
            self.catalog,
            history=self.history,
            graph=graph,
            impacts=impacts,
            scheduled=self.scheduled_near(change),
            pairs=pairs,
        )

    def record_outcome(self, outcome: PastOutcome) -> None:
        self.history.add(outcome)


def changes_in(records: Iterable[Record]) -> dict[str, Change]:
    return {r.name: r.typed for r in records if r.kind == "Change" and isinstance(r.typed, Change)}

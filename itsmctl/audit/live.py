"""The repository's records as they were at one commit, updated file by file while history is replayed."""

from __future__ import annotations

from collections.abc import Iterable

from itsmctl.graph.cmdb import DependencyGraph, build_graph
from itsmctl.graph.impact import ImpactCache
from itsmctl.load.locate import Locator
from itsmctl.load.records import check_record, load_source
from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import Change, Policy
from itsmctl.model.record import Record
from itsmctl.risk.conflicts import SCHEDULED_STATUSES
from itsmctl.risk.history import History, PastOutcome
from itsmctl.risk.planning import Planning

_GRAPH_KINDS = frozenset({"Service", "ConfigurationItem"})


def parse_blob(path: str, data: bytes) -> list[Record]:
    records, _ = load_source(path, data)
    locator = Locator()
    for record in records:
        check_record(record, locator)
    return records


class LiveCatalog:
    """A catalog kept current as files change, so no commit re-indexes the whole repository."""

    def __init__(self) -> None:
        self.files: dict[str, list[Record]] = {}
        self.catalog = Catalog()
        self.history = History()
        self._graph: tuple[DependencyGraph, ImpactCache] | None = None

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

    def _remove(self, record: Record) -> None:
        if not record.name:
            return
        if self.catalog.by_ref.get(record.ref) is record:
            del self.catalog.by_ref[record.ref]
        table = self.catalog.table(record.kind)
        if record.typed is not None and table.get(record.name) is record.typed:
            del table[record.name]

    def policies(self) -> list[Policy]:
        return list(self.catalog.policies.values())

    def scheduled_changes(self) -> list[Change]:
        return [c for c in self.catalog.changes.values() if c.status in SCHEDULED_STATUSES and c.window is not None]

    def planning(self, now: object = None) -> Planning:
        if self._graph is None:
            graph = build_graph(self.catalog)
            self._graph = (graph, ImpactCache(graph))
        graph, impacts = self._graph
        return Planning(self.catalog, history=self.history, graph=graph, impacts=impacts, scheduled=self.scheduled_changes())

    def record_outcome(self, outcome: PastOutcome) -> None:
        self.history.add(outcome)


def changes_in(records: Iterable[Record]) -> dict[str, Change]:
    return {r.name: r.typed for r in records if r.kind == "Change" and isinstance(r.typed, Change)}

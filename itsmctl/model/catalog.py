"""The loaded repository: every record, indexed by kind and reference, with typed views."""

from __future__ import annotations

from dataclasses import dataclass, field

from itsmctl.model.kinds import (
    SLA,
    Change,
    ConfigurationItem,
    Freeze,
    Incident,
    KnowledgeArticle,
    Policy,
    Problem,
    RequestType,
    Service,
    StandardChange,
    Team,
)
from itsmctl.model.record import Record


@dataclass
class Catalog:
    records: list[Record] = field(default_factory=list)
    # First record for each kind:name reference (later duplicates are findings).
    by_ref: dict[str, Record] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    cis: dict[str, ConfigurationItem] = field(default_factory=dict)
    slas: dict[str, SLA] = field(default_factory=dict)
    changes: dict[str, Change] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)
    freezes: dict[str, Freeze] = field(default_factory=dict)
    standard_changes: dict[str, StandardChange] = field(default_factory=dict)
    incidents: dict[str, Incident] = field(default_factory=dict)
    problems: dict[str, Problem] = field(default_factory=dict)
    request_types: dict[str, RequestType] = field(default_factory=dict)
    knowledge: dict[str, KnowledgeArticle] = field(default_factory=dict)

    def typed(self, ref: str) -> object | None:
        """The typed view behind ``kind:name``, or None when missing or invalid."""
        prefix, _, name = ref.partition(":")
        table = self._tables().get(prefix)
        return table.get(name) if table is not None else None

    def _tables(self) -> dict[str, dict[str, object]]:
        tables = self.__dict__.get("_tables_by_prefix")
        if tables is None:
            tables = self.__dict__["_tables_by_prefix"] = self._build_tables()
        return tables  # type: ignore[no-any-return]

    def _build_tables(self) -> dict[str, dict[str, object]]:
        return {
            "team": self.teams,  # type: ignore[dict-item]
            "service": self.services,  # type: ignore[dict-item]
            "ci": self.cis,  # type: ignore[dict-item]
            "sla": self.slas,  # type: ignore[dict-item]
            "change": self.changes,  # type: ignore[dict-item]
            "policy": self.policies,  # type: ignore[dict-item]
            "freeze": self.freezes,  # type: ignore[dict-item]
            "standard": self.standard_changes,  # type: ignore[dict-item]
            "incident": self.incidents,  # type: ignore[dict-item]
            "problem": self.problems,  # type: ignore[dict-item]
            "request": self.request_types,  # type: ignore[dict-item]
            "kb": self.knowledge,  # type: ignore[dict-item]
        }

    def table(self, kind: str) -> dict[str, object]:
        from itsmctl.model.refs import PREFIX_OF_KIND

        return self._tables()[PREFIX_OF_KIND[kind]]

    def owner_of(self, ref: str) -> str | None:
        """The owning team reference of a service or CI."""
        item = self.typed(ref)
        owner = getattr(item, "owner", None)
        return owner if isinstance(owner, str) else None

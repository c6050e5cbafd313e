"""Where records refer to other records, and which kinds each field may name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from itsmctl.model.kinds import KeyPath
from itsmctl.model.record import Record

SERVICE_OR_CI = ("service", "ci")


class Reference(NamedTuple):
    """A tuple, not a dataclass: hundreds of thousands of them cross processes and the cache."""

    path: KeyPath  # where in the record, for locating findings
    target: str  # the kind:name text as written
    allowed: tuple[str, ...]  # reference prefixes this field may name
    field: str  # human name of the field, e.g. "owner"


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _single(spec: dict[str, Any], key: str, allowed: tuple[str, ...]) -> Iterator[Reference]:
    value = spec.get(key)
    if isinstance(value, str):
        yield Reference(("spec", key), value, allowed, key)


def _many(spec: dict[str, Any], key: str, allowed: tuple[str, ...], path: KeyPath = ("spec",)) -> Iterator[Reference]:
    for index, value in enumerate(_list(spec.get(key))):
        if isinstance(value, str):
            yield Reference((*path, key, index), value, allowed, key)


def iter_references(record: Record) -> Iterator[Reference]:
    """Every reference a record makes, whatever state its schema is in."""
    spec = record.spec
    kind = record.kind
    if kind in ("Service", "ConfigurationItem"):
        yield from _single(spec, "owner", ("team",))
        yield from _many(spec, "dependsOn", SERVICE_OR_CI)
        if kind == "Service":
            yield from _single(spec, "sla", ("sla",))
    elif kind == "Change":
        for index, target in enumerate(_list(spec.get("targets"))):
            if isinstance(target, str):
                yield Reference(("spec", "targets", index), target, SERVICE_OR_CI, "targets")
            elif isinstance(target, dict) and isinstance(target.get("ref"), str):
                yield Reference(("spec", "targets", index, "ref"), target["ref"], SERVICE_OR_CI, "targets")
        yield from _single(spec, "template", ("standard",))
    elif kind == "StandardChange":
        yield from _single(spec, "owner", ("team",))
        allowed = spec.get("allowedTargets")
        if isinstance(allowed, dict):
            yield from _many(allowed, "services", ("service",), ("spec", "allowedTargets"))
            yield from _many(allowed, "cis", ("ci",), ("spec", "allowedTargets"))
    elif kind == "Freeze":
        yield from _single(spec, "owner", ("team",))
        scope = spec.get("scope")
        if isinstance(scope, dict):
            yield from _many(scope, "services", ("service",), ("spec", "scope"))
            yield from _many(scope, "cis", ("ci",), ("spec", "scope"))
    elif kind == "Incident":
        yield from _many(spec, "services", ("service",))
        yield from _many(spec, "cis", ("ci",))
        yield from _single(spec, "causedBy", ("change",))
        yield from _single(spec, "problem", ("problem",))
    elif kind == "Problem":
        yield from _single(spec, "owner", ("team",))
        yield from _many(spec, "services", ("service",))
        yield from _many(spec, "incidents", ("incident",))
        yield from _single(spec, "fix", ("change",))
    elif kind == "RequestType":
        yield from _single(spec, "service", ("service",))
        yield from _single(spec, "fulfilment", ("team",))
        yield from _single(spec, "sla", ("sla",))
        yield from _single(spec, "standardChange", ("standard",))
        yield from _many(spec, "requesters", ("team",))
    elif kind == "KnowledgeArticle":
        yield from _many(spec, "services", ("service",))
        yield from _single(spec, "owner", ("team",))
    elif kind == "Policy":
        yield from _single(spec, "owner", ("team",))
        for index, approval in enumerate(_list(spec.get("approvals"))):
            if not isinstance(approval, dict):
                continue
            for rule_index, rule in enumerate(_list(approval.get("require"))):
                if isinstance(rule, dict) and isinstance(rule.get("team"), str):
                    path: KeyPath = ("spec", "approvals", index, "require", rule_index, "team")
                    yield Reference(path, rule["team"], ("team",), "team")


def reference_problems(
    records: list[Record], known: dict[str, Any]
) -> tuple[list[tuple[Record, Reference]], list[tuple[Record, Reference]]]:
    """(dangling, wrong kind): references to no record, and to a kind the field does not accept. One pass."""
    from itsmctl.model.refs import KIND_OF_PREFIX

    dangling: list[tuple[Record, Reference]] = []
    wrong_kind: list[tuple[Record, Reference]] = []
    for record in records:
        for reference in record.references:
            target = reference.target
            colon = target.find(":")
            if colon < 0:
                continue  # not a reference at all: the schema says so
            prefix = target[:colon]
            if prefix not in reference.allowed:
                if prefix in KIND_OF_PREFIX:
                    wrong_kind.append((record, reference))
            elif target not in known:
                dangling.append((record, reference))
    return dangling, wrong_kind

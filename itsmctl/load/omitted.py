"""What a loaded repository leaves out: records and documents no report can see.

A record is left out of the catalog (and so of every report and decision made
from it) when its document does not parse, its kind is unknown, it fails its
schema or a typed check, or another record of its kind already has its name.
Reports must say so (issue 11: a compliance report that silently omits an
outage is a false pass); this module says exactly what, where and why.

Records that loaded and merely break a rule (a policy) are not left out: the
reports count them, and ``validate`` reports the rule. A reference to nothing is
different for a report that counts by it: an incident that names
``service:shpo`` counts on no service, so ``sla report`` would show an outage
that never was counted as 100 %. Each such report names the references it
counts by (``CountedReferences``), and ``unresolved_references`` lists the
records whose counted references name no record at all.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from itsmctl.findings import Finding, Severity
from itsmctl.load.records import LoadResult
from itsmctl.model.lookup import closest_valid
from itsmctl.model.record import Record

# Record kind -> the reference fields (``model.references.Reference.field``) a report counts by.
CountedReferences = Mapping[str, Collection[str]]

# An empty document ('---' at the end of a file) holds no record: nothing is left out.
_NOT_AN_OMISSION = frozenset({"empty-document"})
# A document starts at a line that begins with '---' (or after '...'); YAML allows no such line inside one.
_MARKER = re.compile(r"^(?:---|\.\.\.)(?:[ \t]|$)", re.MULTILINE)


@dataclass(frozen=True, order=True)
class Omission:
    """One record (or unreadable document) left out; ``kind``/``name`` are None when unknown."""

    path: str
    line: int
    kind: str | None
    name: str | None
    rule: str
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "kind": self.kind,
            "name": self.name,
            "rule": self.rule,
            "reason": self.reason,
        }

    def describe(self) -> str:
        """``path:line Kind name: reason`` (raw: escape it for the output it goes to)."""
        what = " ".join(part for part in (self.kind, self.name) if part) or "document"
        return f"{self.path}:{self.line} {what}: {self.reason}"


def _marker_lines(text: str) -> list[int]:
    return [text.count("\n", 0, match.start()) + 1 for match in _MARKER.finditer(text)]


def _document_of(record: Record, markers: list[int], line: int) -> bool:
    """Whether ``line`` lies in the document that holds ``record``."""
    index = bisect.bisect_right(markers, record.line)
    start = markers[index - 1] if index else 0
    end = markers[index] if index < len(markers) else float("inf")
    return start <= line < end


def _omission(record: Record, rule: str, line: int, reason: str) -> Omission:
    return Omission(record.path, line, record.kind or None, record.name or None, rule, reason)


def omitted_records(loaded: LoadResult) -> list[Omission]:
    """Every record or document of ``loaded`` that its catalog does not hold, sorted by place."""
    catalog = loaded.catalog
    errors: dict[str, list[Finding]] = defaultdict(list)
    for finding in loaded.findings:
        if finding.severity == Severity.ERROR and finding.rule not in _NOT_AN_OMISSION:
            errors[finding.location.path].append(finding)
    records_in: dict[str, list[Record]] = defaultdict(list)
    for record in catalog.records:
        records_in[record.path].append(record)
    omitted: list[Omission] = []
    for record in catalog.records:
        if record.typed is None:
            continue
        kept = catalog.table(record.kind).get(record.name)
        if kept is not record.typed:
            first = getattr(kept, "record", None)
            where = f" at {first.path}:{first.line}" if isinstance(first, Record) else ""
            reason = f"another {record.kind} named {record.name!r}{where} is used instead"
            omitted.append(_omission(record, "duplicate-name", record.line, reason))
    invalid_paths = {record.path for record in catalog.records if record.typed is None}
    for path in sorted(errors.keys() | invalid_paths):
        findings = errors.get(path, [])
        records = records_in.get(path, [])
        markers = _marker_lines(records[0].source.text) if records and records[0].source.text else []
        claimed: set[int] = set()
        for record in records:
            mine = [f for f in findings if f.location.line == 0 or _document_of(record, markers, f.location.line)]
            claimed.update(id(f) for f in mine)
            if record.typed is None:
                first = mine[0] if mine else None
                reason = first.message if first else "the record is invalid (run 'itsmctl validate')"
                if len(mine) > 1:
                    reason += f" (and {len(mine) - 1} more error(s))"
                line = first.location.line if first and first.location.line else record.line
                omitted.append(_omission(record, first.rule if first else "invalid", line, reason))
        for finding in findings:
            if id(finding) not in claimed:
                # A document that never became a record (syntax error, unknown kind, unreadable file).
                omitted.append(Omission(path, finding.location.line, None, None, finding.rule, finding.message))
    return sorted(omitted)


def unresolved_references(loaded: LoadResult, counted: CountedReferences) -> list[Omission]:
    """Records of the catalog whose ``counted`` references name no record at all: the report does not
    count them there. One entry per record and reference, at the reference's line. A reference to an
    invalid record is not listed again: that record is (``omitted_records``), and nothing counts on it."""
    catalog = loaded.catalog
    found: set[Omission] = set()
    for record in catalog.records:
        fields = counted.get(record.kind)
        if not fields or record.typed is None or catalog.table(record.kind).get(record.name) is not record.typed:
            continue  # not counted at all: omitted_records lists it
        for reference in record.references:
            target = reference.target
            if reference.field not in fields or target in catalog.by_ref:
                continue
            close = closest_valid(catalog, target)
            reason = f"names {target}, which does not exist" + (f"; did you mean {close}?" if close else "")
            line = loaded.locator.locate(record, reference.path).line or record.line
            found.add(Omission(record.path, line, record.kind, record.name, "dangling-reference", reason))
    return sorted(found)

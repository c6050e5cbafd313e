"""A chunk's per-file results as plain JSON, and back: the result cache's payload.

Only plain data is stored: each record's kind, name, position, title, labels,
references and typed view (``model.plain``), and each finding's fields.
Nothing in it names a class or a function, so reading an entry can never run
code. As after a worker process, a record comes back without its document,
which is parsed again from the file's text if something asks for it (Markdown
front matter, which was rewritten on loading, is stored). Anything that does
not decode to exactly the shape ``encode`` makes is a miss (``None``), never
an error.

The payload is ``[references, files]``: what a reference says besides its
target (where in the record, which kinds it may name, the field) repeats in
every record, so each such triple is written once per chunk and records refer
to it by position.
"""

from __future__ import annotations

import json
from typing import Any

from itsmctl.findings import Finding, Location, Severity
from itsmctl.model.plain import Unsupported, view_codec
from itsmctl.model.record import Record, SourceFile
from itsmctl.model.references import Reference

Outcome = tuple[list[Record], list[Finding]]
Source = tuple[str, bytes]
# (path, allowed, field) of a reference: everything but its target.
Template = tuple[tuple[str | int, ...], tuple[str, ...], str]

_SEVERITIES = {int(severity): severity for severity in Severity}


def encode(chunk: list[Source], outcomes: list[Outcome]) -> bytes | None:
    """The outcomes as JSON, or None when some value would not come back exactly (then nothing is cached)."""
    templates: dict[Template, int] = {}
    try:
        files = [_plain_file(path, outcome, templates) for (path, _), outcome in zip(chunk, outcomes, strict=True)]
        plain = [[[list(path), list(allowed), field] for path, allowed, field in templates], files]
        # ASCII escapes keep any string (even a lone surrogate) intact; NaN and huge ints round-trip too.
        payload = json.dumps(plain, separators=(",", ":"))
    except (Unsupported, TypeError, ValueError):
        return None
    # Whatever the loader may produce one day (a tuple, a non-string key), a value that
    # would change on the way through JSON must never reach a later run.
    if json.loads(payload) != plain:
        return None
    return payload.encode("ascii")


def _plain_file(path: str, outcome: Outcome, templates: dict[Template, int]) -> list[Any]:
    records, findings = outcome
    return [
        path,
        [_plain_record(record, templates) for record in records],
        [
            [f.rule, int(f.severity), f.message, f.location.path, f.location.line, f.location.column, f.hint, f.details]
            for f in findings
        ],
    ]


def _plain_record(record: Record, templates: dict[Template, int]) -> list[Any]:
    source = record.source
    references: list[Any] = []
    for ref in record.references:
        references += [templates.setdefault((ref.path, ref.allowed, ref.field), len(templates)), ref.target]
    return [
        record.kind,
        record.name,
        record.doc_index,
        record.line,
        record.schema_valid,
        record.title,
        record.labels,
        references,
        None if record.typed is None else view_codec(record.kind, type(record.typed)).to_plain(record.typed),
        # Markdown front matter: the document and the text it was read from cannot be had again from the file.
        [source.text, record.body] if source.front_matter else None,
    ]


def decode(payload: bytes, chunk: list[Source]) -> list[Outcome] | None:
    """The chunk's outcomes; None if the payload is not exactly what ``encode`` makes."""
    try:
        plain_templates, files = json.loads(payload)
        if type(files) is not list or len(files) != len(chunk):
            return None
        templates = [_template(item) for item in plain_templates]
        return [_file(entry, path, data, templates) for entry, (path, data) in zip(files, chunk, strict=True)]
    except Exception:  # noqa: BLE001 - any surprise in an entry is a miss: the chunk is processed afresh
        return None


class _Shape(ValueError):
    pass


def _check(condition: bool) -> None:
    if not condition:
        raise _Shape


# Paths, kind lists and field names repeat in every chunk: one object each, as the loader (and
# pickle) share them, instead of a copy per chunk.
_shared: dict[Any, Any] = {}
_share = _shared.setdefault


def _template(item: Any) -> Template:
    path, allowed, field = item
    _check(type(path) is list and type(allowed) is list and type(field) is str)
    _check(all(type(step) is str or type(step) is int for step in path))
    _check(all(type(kind) is str for kind in allowed))
    steps, kinds = tuple(path), tuple(allowed)
    return _share(steps, steps), _share(kinds, kinds), _share(field, field)


def _file(entry: Any, path: str, data: bytes, templates: list[Template]) -> Outcome:
    stored_path, plain_records, plain_findings = entry
    _check(stored_path == path and type(plain_records) is list and type(plain_findings) is list)
    findings = [_finding(item) for item in plain_findings]
    if not plain_records:
        return [], findings
    from itsmctl.load.records import decode as decode_text

    text, _ = decode_text(path, data)
    _check(text is not None)
    source = SourceFile(path, text or "")
    return [_record(item, source, templates) for item in plain_records], findings


def _record(item: Any, source: SourceFile, templates: list[Template]) -> Record:
    kind, name, doc_index, line, valid, title, labels, references, typed, front = item
    _check(type(kind) is str and type(name) is str and type(title) is str and type(labels) is dict)
    _check(type(doc_index) is int and type(line) is int and type(valid) is bool and type(references) is list)
    body = None
    if front is not None:
        text, body = front
        _check(type(text) is str and type(body) is dict)
        source = SourceFile(source.path, text, front_matter=True)
    record = Record(kind, name, body, source, doc_index, line, valid, labels)
    record.title = title
    if references:
        record.references = _references(references, templates)
    if typed is not None:
        record.typed = view_codec(kind).from_plain(record, typed)
    return record


def _references(flat: list[Any], templates: list[Template]) -> tuple[Reference, ...]:
    """From ``[template, target, template, target, ...]``."""
    _check(len(flat) % 2 == 0)
    references = []
    pairs = iter(flat)
    for index, target in zip(pairs, pairs, strict=False):  # even length checked above
        _check(type(index) is int and index >= 0 and type(target) is str)
        path, allowed, field = templates[index]
        references.append(Reference(path, target, allowed, field))
    return tuple(references)


def _finding(item: Any) -> Finding:
    rule, severity, message, path, line, column, hint, details = item
    _check(type(rule) is str and type(message) is str and type(path) is str and type(hint) is str)
    _check(type(severity) is int and type(line) is int and type(column) is int and type(details) is dict)
    return Finding(rule, _SEVERITIES[severity], message, Location(path, line, column), hint, details)

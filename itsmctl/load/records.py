"""Turn file contents into records, and records into a catalog, with located findings."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from itsmctl.findings import Finding, Location, Severity
from itsmctl.load import schema
from itsmctl.load.gcpause import gc_paused
from itsmctl.load.locate import Locator
from itsmctl.load.safe_yaml import load_documents
from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import BUILDERS, FieldError
from itsmctl.model.labels import written_labels
from itsmctl.model.record import Record, SourceFile
from itsmctl.model.references import iter_references
from itsmctl.model.refs import KINDS, NAME_PATTERN, PREFIX_OF_KIND

# Larger files are refused unread: no record file is anywhere near this.
DEFAULT_MAX_FILE_BYTES = 4 * 1024 * 1024


@dataclass
class LoadResult:
    catalog: Catalog
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    locator: Locator = field(default_factory=Locator)
    # Whether policy rules already ran over every record (during loading).
    policies_checked: bool = False
    # Descriptions of the policy rules in force, by POLICY/RULE id.
    policy_rules: dict[str, str] = field(default_factory=dict)
    # Record files read through symlinks (git objects): path -> every link of the chain, then the file read.
    # A change to any of them changes the records at ``path``.
    links: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _error(rule: str, path: str, message: str, line: int = 0, column: int = 0, hint: str = "") -> Finding:
    return Finding(rule, Severity.ERROR, message, Location(path, line, column), hint)


def decode(path: str, data: bytes) -> tuple[str | None, list[Finding]]:
    """UTF-8 text of a file (a UTF-8 BOM is allowed and dropped), or an encoding finding."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [_error("encoding", path, "file is UTF-16 or UTF-32; records must be UTF-8", 1)]
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return None, [_error("encoding", path, "file contains NUL bytes (binary?); records must be UTF-8 text", line)]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        # The codec's offsets are relative to the data after a BOM.
        start = error.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line_start = data.rfind(b"\n", 0, start) + 1
        line = data[:start].count(b"\n") + 1
        # Columns count characters, like libyaml's marks and SARIF's unicodeCodePoints; the
        # bytes before the bad one on its line are valid UTF-8 (or the error would be earlier).
        column = len(data[line_start:start].decode("utf-8-sig" if line_start == 0 else "utf-8")) + 1
        return None, [
            _error(
                "encoding",
                path,
                f"byte 0x{data[start]:02x} is not valid UTF-8; records must be UTF-8 text",
                line,
                column,
                "re-save the file as UTF-8",
            )
        ]


def too_large(path: str, size: int, max_bytes: int) -> Finding:
    return _error(
        "file-too-large",
        path,
        f"file is {size:,} bytes; the limit is {max_bytes:,}",
        hint="split it into several files",
    )


def load_source(path: str, data: bytes, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> tuple[list[Record], list[Finding]]:
    """Records of one file, and the problems that kept anything from loading."""
    if len(data) > max_bytes:
        return [], [too_large(path, len(data), max_bytes)]
    text, findings = decode(path, data)
    if text is None:
        return [], findings
    if path.endswith(".md"):
        return load_markdown(path, text)
    documents, problems = load_documents(text)
    findings = [Finding(p.rule, Severity.ERROR, p.message, Location(path, p.line, p.column), p.hint) for p in problems]
    source = SourceFile(path, text)
    records: list[Record] = []
    if not documents and not problems:
        findings.append(
            _error("empty-document", path, "file holds no YAML document", 1, hint="delete it or add a record")
        )
    for document in documents:
        data_ = document.data
        if data_ is None:
            findings.append(
                _error(
                    "empty-document",
                    path,
                    f"document {document.index + 1} is empty",
                    document.line,
                    hint="remove the stray '---' or fill in the record",
                )
            )
            continue
        if not isinstance(data_, dict):
            findings.append(
                _error(
                    "not-a-mapping",
                    path,
                    f"document {document.index + 1} is a {type(data_).__name__}, not a mapping with apiVersion, kind, metadata and spec",
                    document.line,
                )
            )
            continue
        kind = data_.get("kind")
        metadata = data_.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        record = Record(
            kind=kind if isinstance(kind, str) else "",
            name=name if isinstance(name, str) else "",
            body=data_,
            source=source,
            doc_index=document.index,
            line=document.line,
        )
        labels = metadata.get("labels") if isinstance(metadata, dict) else None
        if isinstance(labels, dict):
            record.labels = written_labels(labels)
        records.append(record)
    return records, findings


def load_markdown(path: str, text: str) -> tuple[list[Record], list[Finding]]:
    """A knowledge article: YAML front matter between '---' lines, then Markdown."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return [], [
            _error("yaml-syntax", path, "a knowledge article starts with YAML front matter between '---' lines", 1)
        ]
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        return [], [_error("yaml-syntax", path, "the front matter is not closed with '---'", 1)]
    # Keep line numbers: line 1 ('---') becomes an empty line of the YAML text.
    front = "\n".join(["", *lines[1:end]]) + "\n"
    documents, problems = load_documents(front)
    findings = [Finding(p.rule, Severity.ERROR, p.message, Location(path, p.line, p.column), p.hint) for p in problems]
    if not documents:
        return [], findings or [_error("empty-document", path, "the front matter is empty", 2)]
    matter = documents[0].data
    if not isinstance(matter, dict):
        return [], [*findings, _error("not-a-mapping", path, "the front matter must be a mapping", 2)]
    name = matter.pop("name", path.rsplit("/", 1)[-1].removesuffix(".md"))
    metadata: dict[str, object] = {"name": name}
    # Metadata and spec fields side by side, as schema.front_matter_schema() describes them.
    for key in schema.front_matter_metadata():
        if key in matter:
            metadata[key] = matter.pop(key)
    written_body = schema.ARTICLE_BODY in matter
    body = {
        "apiVersion": "itsm/v1",
        "kind": "KnowledgeArticle",
        "metadata": metadata,
        "spec": {**matter, schema.ARTICLE_BODY: "\n".join(lines[end + 1 :]).strip() + "\n"},
    }
    record = Record(
        "KnowledgeArticle",
        name if isinstance(name, str) else "",
        body,
        SourceFile(path, front, front_matter=True),
        0,
        2,
    )
    labels = metadata.get("labels")
    if isinstance(labels, dict):
        record.labels = written_labels(labels)
    if written_body:  # it would be replaced by the Markdown without a word
        findings.append(
            Finding(
                "schema",
                Severity.ERROR,
                f"front matter: {schema.ARTICLE_BODY!r} cannot be written here",
                Locator().locate(record, ("spec", schema.ARTICLE_BODY)),
                "the article's body is the Markdown after the front matter; remove this field",
            )
        )
    return [record], findings


def _unknown_kind(record: Record, locator: Locator) -> Finding:
    kind = record.body.get("kind")
    location = locator.locate(record, ("kind",))
    if kind is None:
        return Finding(
            "schema", Severity.ERROR, "document: missing required field 'kind'", location, f"one of {', '.join(KINDS)}"
        )
    close = difflib.get_close_matches(str(kind), list(KINDS), n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(KINDS)}"
    return Finding("unknown-kind", Severity.ERROR, f"unknown kind {kind!r}", location, hint)


def _schema_finding(record: Record, problem: schema.SchemaProblem, locator: Locator) -> Finding:
    location = locator.locate(record, problem.path)
    written = locator.written(record, problem.path) if problem.wanted_text else None
    if written is None:
        return Finding("schema", Severity.ERROR, problem.message, location, problem.hint)
    # ``title: 1.10`` says "got 1.1": say what was written, and how to keep it.
    message = f"{problem.message}: YAML reads the unquoted {written} as a {_type_word(written)}, not as text"
    quoted = "'" + written.replace("'", "''") + "'"
    return Finding("schema", Severity.ERROR, message, location, f"quote it to keep it as written: {quoted}")


def _type_word(written: str) -> str:
    return "boolean" if written.lower() in ("true", "false") else "number"


def check_record(record: Record, locator: Locator) -> list[Finding]:
    """Check a record against its kind's schema and build its typed view (``record.typed``)."""
    record.references = tuple(iter_references(record))
    if record.kind not in PREFIX_OF_KIND:
        record.schema_valid = False
        return [_unknown_kind(record, locator)]
    if not schema.is_valid(record.kind, record.body):
        record.schema_valid = False
        return [_schema_finding(record, problem, locator) for problem in schema.explain(record.kind, record.body)]
    try:
        record.typed = BUILDERS[record.kind](record)
    except FieldError as error:
        record.schema_valid = False
        return [Finding("invalid-value", Severity.ERROR, error.message, locator.locate(record, error.path))]
    return []


def build_catalog(records: Iterable[Record], locator: Locator) -> tuple[Catalog, list[Finding]]:
    """Check every record, then index them."""
    records = list(records)
    findings = [finding for record in records for finding in check_record(record, locator)]
    return index_catalog(records), findings


def index_catalog(records: Iterable[Record]) -> Catalog:
    """A catalog of records that were already checked and built (e.g. mixed from two revisions)."""
    catalog = Catalog()
    tables = {kind: catalog.table(kind) for kind in KINDS}
    by_ref, kept, valid_name = catalog.by_ref, catalog.records, NAME_PATTERN.match
    for record in records:
        table = tables.get(record.kind)
        if table is None:
            continue
        kept.append(record)
        if record.name and valid_name(record.name):
            # Index even invalid records by name, so one typo does not cascade
            # into dangling-reference findings everywhere it is used.
            by_ref.setdefault(record.ref, record)
        if record.typed is not None:
            table.setdefault(record.name, record.typed)
    return catalog


def load_sources(
    sources: Iterable[tuple[str, bytes]],
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    jobs: int | None = None,
    use_cache: bool = True,
    keep_bodies: bool = False,
) -> LoadResult:
    """Load (path, bytes) pairs, from the working tree or from git objects alike.

    Files are parsed, checked against their schemas and run through the
    repository's policies one by one (in parallel for large repositories,
    see ``pipeline``); the catalog that cross-record rules need is then
    indexed here.
    """
    from itsmctl.load.pipeline import process_all

    with gc_paused():
        processed = process_all(list(sources), max_bytes, jobs, use_cache, keep_bodies)
        catalog = index_catalog(processed.records)
    return LoadResult(
        catalog,
        processed.findings,
        processed.files,
        Locator(),
        policies_checked=True,
        policy_rules=processed.policy_rules,
    )


# Policies live here by convention: a file under it that does not load may hide one.
POLICY_ROOT = "policies/"


def policy_in_doubt(path: str, records: Iterable[Record], unreadable: bool, held_policy: bool) -> bool:
    """Whether a version of a file may hide a Policy, so the approvals the policies require are unknown.

    It may when a Policy in it does not load (no typed view: it would simply not apply), or
    when the file does not load at all (``unreadable``: it is no YAML, not UTF-8, a link to
    nowhere...) and it is under ``policies/`` or its last readable version held a Policy
    (``held_policy``). ``review`` and ``audit`` both fail closed on such a file.
    """
    if any(record.kind == "Policy" and record.typed is None for record in records):
        return True
    return unreadable and (path.startswith(POLICY_ROOT) or held_policy)

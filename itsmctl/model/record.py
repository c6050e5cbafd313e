"""A record as loaded: one YAML document of a known kind, with where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsmctl.model.refs import PREFIX_OF_KIND


@dataclass(slots=True, eq=False)
class SourceFile:
    """A file's repo-relative POSIX path and text; kept so findings can be located later."""

    path: str
    text: str
    # Markdown front matter keeps metadata and spec fields at the top level.
    front_matter: bool = False
    # Documents parsed again on demand (see Record.body), shared by the file's records.
    reparsed: dict[int, dict[str, Any]] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # The text is not pickled: whoever unpickles has the file's bytes (see pipeline.reattach).
        return (SourceFile, (self.path, self.text if self.front_matter else "", self.front_matter))


class Record:
    """One ``apiVersion/kind/metadata/spec`` document.

    ``body`` is the document exactly as loaded (plain JSON-like values); typed
    views (``Service``, ``Change``...) are built from it once it passed its
    schema. A record that crossed a process boundary or came from the cache
    has no body until something asks for it: then its file's text, which the
    record keeps, is parsed again. Checks after loading use the typed view.
    """

    __slots__ = (
        "kind",
        "name",
        "_body",
        "source",
        "doc_index",
        "line",
        "schema_valid",
        "labels",
        "typed",
        "references",
        "title",
    )

    def __init__(
        self,
        kind: str,
        name: str,
        body: dict[str, Any] | None,
        source: SourceFile,
        doc_index: int,
        line: int,
        schema_valid: bool = True,
        labels: dict[str, Any] | None = None,
        typed: Any = None,
        references: tuple[Any, ...] = (),
    ) -> None:
        self.kind = kind
        self.name = name
        self._body = body
        self.source = source
        self.doc_index = doc_index
        self.line = line
        self.schema_valid = schema_valid
        self.labels: dict[str, Any] = labels if labels is not None else {}
        # The typed view (Service, Change, ...) once built; None while invalid.
        self.typed = typed
        # Every kind:name reference the record makes (model.references), computed once.
        self.references = references
        metadata = body.get("metadata") if isinstance(body, dict) else None
        title = metadata.get("title") if isinstance(metadata, dict) else None
        # Kept apart from the body: reports show titles without parsing the file again.
        self.title: str = title if isinstance(title, str) and title else name

    def __repr__(self) -> str:
        return f"Record({self.kind}:{self.name} at {self.source.path}:{self.line})"

    @property
    def body(self) -> dict[str, Any]:
        if self._body is None:
            self._body = reparse_body(self)
        return self._body

    @body.setter
    def body(self, value: dict[str, Any]) -> None:
        self._body = value

    def __reduce__(self) -> tuple[Any, ...]:
        # The body is parsed again from the text when needed (Markdown front matter was
        # transformed, so that one is kept); the typed view refers back to the record,
        # so it goes in the state, after the record exists.
        body = self._body if self.source.front_matter else None
        arguments = (self.kind, self.name, body, self.source, self.doc_index, self.line, self.schema_valid, self.labels)
        return (Record, arguments, (self.typed, self.references, self.title))

    def __setstate__(self, state: tuple[Any, Any, str]) -> None:
        self.typed, self.references, self.title = state

    @property
    def ref(self) -> str:
        return f"{PREFIX_OF_KIND[self.kind]}:{self.name}"

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def metadata(self) -> dict[str, Any]:
        value = self.body.get("metadata")
        return value if isinstance(value, dict) else {}

    @property
    def spec(self) -> dict[str, Any]:
        value = self.body.get("spec")
        return value if isinstance(value, dict) else {}


def reparse_body(record: Record) -> dict[str, Any]:
    """The record's document, parsed again from its file's text (once per file)."""
    source = record.source
    if source.reparsed is None:
        from itsmctl.load.safe_yaml import load_documents

        documents, _ = load_documents(source.text)
        source.reparsed = {d.index: d.data for d in documents if isinstance(d.data, dict)}
    return source.reparsed.get(record.doc_index, {})

"""A record as loaded: one YAML document of a known kind, with where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from itsmctl.model.refs import PREFIX_OF_KIND


@dataclass(frozen=True, slots=True, eq=False)
class SourceFile:
    """A file's repo-relative POSIX path and text; kept so findings can be located later."""

    path: str
    text: str
    # Markdown front matter keeps metadata and spec fields at the top level.
    front_matter: bool = False


@dataclass(slots=True, eq=False)
class Record:
    """One ``apiVersion/kind/metadata/spec`` document.

    ``body`` is the document exactly as loaded (plain JSON-like values); typed
    views (``Service``, ``Change``...) are built from it once it passed its schema.
    """

    kind: str
    name: str
    body: dict[str, Any]
    source: SourceFile
    doc_index: int
    line: int
    schema_valid: bool = True
    labels: dict[str, Any] = field(default_factory=dict)
    # The typed view (Service, Change, ...) once built; None while invalid.
    typed: Any = None

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

    @property
    def title(self) -> str:
        title = self.metadata.get("title")
        return title if isinstance(title, str) and title else self.name

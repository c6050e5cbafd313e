"""What a rule is: an id, a severity, a docstring that documents it, and a check.

A rule lives in its own module (as in yamllint)::

    '''One-line summary.

    Why it matters and how to fix it.

    Failing example::

        ...yaml...   # <- the line the finding points at

    Passing example::

        ...yaml...
    '''
    ID = "rule-id"
    SEVERITY = Severity.ERROR

    def check(ctx: CheckContext) -> Iterator[Finding]: ...

Rules reported while loading files have no ``check``; the loader emits them.
The examples are executed by the test suite, so the docs cannot drift.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TypeVar

from itsmctl.findings import Finding, Location, Severity
from itsmctl.load.locate import Locator
from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import KeyPath
from itsmctl.model.record import Record

_EXAMPLE = re.compile(r"^(Failing|Passing) example::\n\n((?:(?:    .*)?\n)+)", re.MULTILINE)
EXPECTED_MARKER = "# <-"
T = TypeVar("T")


@dataclass
class CheckContext:
    """What a check may read: the catalog and a way to locate fields. No I/O."""

    catalog: Catalog
    locator: Locator
    # Extra data computed once and shared between rules (e.g. the graph).
    shared: dict[str, object] = field(default_factory=dict)
    # Every record file read, with or without records in it (repo-relative paths).
    files: Sequence[str] = ()

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """Compute something once per run and share it between rules."""
        if key not in self.shared:
            self.shared[key] = compute()
        return self.shared[key]  # type: ignore[return-value]

    def locate(self, record: Record, *path: str | int) -> Location:
        return self.locator.locate(record, tuple(path))

    def finding(
        self,
        rule: str,
        severity: Severity,
        record: Record,
        path: KeyPath,
        message: str,
        hint: str = "",
        **details: object,
    ) -> Finding:
        return Finding(rule, severity, message, self.locator.locate(record, path), hint, details)


Check = Callable[[CheckContext], Iterable[Finding]]


@dataclass(frozen=True)
class RuleInfo:
    id: str
    severity: Severity
    doc: str
    check: Check | None = None

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else ""

    @property
    def description(self) -> str:
        """The doc without its examples."""
        return _EXAMPLE.sub("", self.doc).strip()

    def example(self, which: str) -> str | None:
        """The 'Failing' or 'Passing' example as YAML text, or None."""
        for match in _EXAMPLE.finditer(self.doc):
            if match.group(1) == which:
                return textwrap.dedent(match.group(2)).strip("\n") + "\n"
        return None

    @classmethod
    def from_module(cls, module: ModuleType) -> RuleInfo:
        return cls(
            id=module.ID,
            severity=module.SEVERITY,
            doc=textwrap.dedent(module.__doc__ or "").strip() + "\n",
            check=getattr(module, "check", None),
        )

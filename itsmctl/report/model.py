"""What formatters receive: findings plus the context to describe them."""

from __future__ import annotations

from dataclasses import dataclass, field

from itsmctl import __version__
from itsmctl.findings import Finding, Severity, count_by_severity


@dataclass
class Report:
    command: str
    findings: list[Finding]
    fail_on: Severity = Severity.ERROR
    # Every file that was checked, for formats that list passing files too.
    files: list[str] = field(default_factory=list)
    records: int = 0
    # Descriptions of policy rules (POLICY/RULE ids) in force.
    policy_rules: dict[str, str] = field(default_factory=dict)
    tool_version: str = __version__

    @property
    def counts(self) -> dict[str, int]:
        return count_by_severity(self.findings)

    @property
    def failed(self) -> bool:
        return any(f.severity >= self.fail_on for f in self.findings)

    def summary_line(self) -> str:
        counts = self.counts
        parts = [_plural(counts["error"], "error"), _plural(counts["warning"], "warning")]
        if counts["info"]:
            parts.append(_plural(counts["info"], "note"))
        files_with = len({f.location.path for f in self.findings})
        where = f" in {_plural(files_with, 'file')}" if self.findings else ""
        checked = f" ({_plural(self.records, 'record')} in {_plural(len(self.files), 'file')} checked)"
        return ", ".join(parts) + where + checked


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"

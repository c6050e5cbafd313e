"""Invalid records in history: reported at the commit where each problem appears, once.

A record that does not load or does not match its schema is left out of the
replayed state, so whatever it said cannot be judged: the audit says so where
it happens (rule ``invalid-record``, with the file and line). A file that stays
invalid across later commits is not reported again for the same problem; if
it is still invalid at the audited revision, its findings say so.

Severity: an error for the kinds the audit judges a change by (Change, Policy,
Freeze, Service, ConfigurationItem: without them it could pass what it should
refuse) and for documents whose kind cannot be read; a warning for the others
(Team, SLA, StandardChange, ...), whose absence can only make the audit
stricter or does not concern it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from itsmctl.audit.live import Problem
from itsmctl.findings import Finding, Severity

RULE = "invalid-record"
JUDGED_BY = frozenset({"Change", "Policy", "Freeze", "Service", "ConfigurationItem"})
_AT_HEAD = "; still invalid at the audited revision"


def _finding(commit: str, problem: Problem) -> Finding:
    record, found = problem
    kind = record.kind if record is not None else ""
    name = record.name if record is not None else ""
    severity = Severity.WARNING if kind and kind not in JUDGED_BY else Severity.ERROR
    what = f"{kind} {name}".strip() if kind else "the file"
    details: dict[str, object] = {"commit": commit, "problem": found.rule, "atHead": False}
    if kind == "Change" and name:
        details["change"] = name
    message = (
        f"{what} is invalid from commit {commit[:12]} on, so the audit cannot judge it: {found.message} [{found.rule}]"
    )
    return Finding(RULE, severity, message, found.location, found.hint, details)


def _signature(problem: Problem) -> tuple[str, str, str]:
    """The same problem in a later version (lines may have moved)."""
    record, found = problem
    return (record.name if record is not None else "", found.rule, found.message)


@dataclass
class InvalidFiles:
    # path -> the problems it has now, each with the finding that reported it
    current: dict[str, dict[tuple[str, str, str], Finding]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def update(self, commit: str, path: str, problems: list[Problem], old_path: str | None = None) -> None:
        """The file at ``path`` (previously ``old_path``) now has ``problems``: report the new ones."""
        before = self.current.pop(old_path, {}) if old_path else {}
        before.update(self.current.pop(path, {}))
        now: dict[tuple[str, str, str], Finding] = {}
        for problem in problems:
            key = _signature(problem)
            if key in now:
                continue
            reported = before.get(key)
            if reported is None:
                reported = _finding(commit, problem)
                self.findings.append(reported)
            now[key] = reported
        if now:
            self.current[path] = now

    def finish(self) -> list[Finding]:
        """Every finding, those of files still invalid at the end saying so."""
        still = {id(finding) for problems in self.current.values() for finding in problems.values()}
        return [
            replace(f, message=f.message + _AT_HEAD, details={**f.details, "atHead": True}) if id(f) in still else f
            for f in self.findings
        ]

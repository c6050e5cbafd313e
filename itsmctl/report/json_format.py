"""Machine output; the shape is documented in README ("JSON output")."""

from __future__ import annotations

from typing import Any

from itsmctl.findings import Finding
from itsmctl.report.escape import to_json
from itsmctl.report.model import Report

SCHEMA_VERSION = 1


def finding_to_dict(finding: Finding, details: bool = True) -> dict[str, Any]:
    """A finding as every JSON output shows it (validate, plan, audit)."""
    document: dict[str, Any] = {
        "rule": finding.rule,
        "severity": str(finding.severity),
        "message": finding.message,
        "hint": finding.hint,
        "path": finding.location.path,
        "line": finding.location.line,
        "column": finding.location.column,
    }
    if details and finding.details:
        document["details"] = finding.details
    return document


def render(report: Report) -> str:
    document = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "itsmctl", "version": report.tool_version},
        "command": report.command,
        "findings": [finding_to_dict(f) for f in report.findings],
        "summary": {
            "files": len(report.files),
            "records": report.records,
            **report.counts,
            "failOn": str(report.fail_on),
            "failed": report.failed,
        },
    }
    return to_json(document, default=str)

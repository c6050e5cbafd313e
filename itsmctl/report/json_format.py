"""Machine output; the shape is documented in README ("JSON output")."""

from __future__ import annotations

import json

from itsmctl.report.model import Report

SCHEMA_VERSION = 1


def render(report: Report) -> str:
    document = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "itsmctl", "version": report.tool_version},
        "command": report.command,
        "findings": [
            {
                "rule": f.rule,
                "severity": str(f.severity),
                "message": f.message,
                "hint": f.hint,
                "path": f.location.path,
                "line": f.location.line,
                "column": f.location.column,
                **({"details": f.details} if f.details else {}),
            }
            for f in report.findings
        ],
        "summary": {
            "files": len(report.files),
            "records": report.records,
            **report.counts,
            "failOn": str(report.fail_on),
            "failed": report.failed,
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"

"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from itsmctl.findings import Severity
from itsmctl.report.escape import to_json, visible
from itsmctl.report.model import Report
from itsmctl.rules import REGISTRY, rule_info

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _descriptor(rule_id: str, report: Report) -> dict[str, Any]:
    info = rule_info(rule_id)
    if rule_id in report.policy_rules or info is None or info.id != rule_id:
        # Policy files write these: viewers show them as text, so what hides or reorders text is escaped.
        text = visible(report.policy_rules.get(rule_id) or (info.summary if info else rule_id), keep_newlines=True)
        return {
            "id": rule_id,
            "name": rule_id.replace("/", "-"),
            "shortDescription": {"text": text},
            "fullDescription": {"text": f"Policy rule {rule_id}: {text}"},
            "properties": {"tags": ["policy"]},
        }
    return {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": info.description},
        "help": {"text": info.doc, "markdown": info.doc},
        "defaultConfiguration": {"level": _LEVEL[info.severity]},
    }


def render(report: Report) -> str:
    rule_ids = [rule_id for rule_id in REGISTRY if "/" not in rule_id]
    for rule_id in [*report.policy_rules, *(f.rule for f in report.findings)]:
        if rule_id not in rule_ids:
            rule_ids.append(rule_id)
    index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
    results = []
    for finding in report.findings:
        location = finding.location
        # A URI reference: '#', '%', ' ' and ':' in a file name would otherwise change its meaning.
        # The file's own bytes: a name that is not UTF-8 keeps them (as %FF), where encoding it would fail.
        uri = quote(location.path.encode("utf-8", "surrogateescape"), safe="/")
        physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}}
        if location.line:
            region: dict[str, int] = {"startLine": location.line}
            if location.column:
                region["startColumn"] = location.column
            physical["region"] = region
        message = visible(finding.message + (f" ({finding.hint})" if finding.hint else ""), keep_newlines=True)
        results.append(
            {
                "ruleId": finding.rule,
                "ruleIndex": index[finding.rule],
                "level": _LEVEL[finding.severity],
                "message": {"text": message},
                "locations": [{"physicalLocation": physical}],
            }
        )
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "itsmctl",
                        "version": report.tool_version,
                        "informationUri": "https://github.com/itsmctl/itsmctl",
                        "rules": [_descriptor(rule_id, report) for rule_id in rule_ids],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The repository root."}}},
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return to_json(document)

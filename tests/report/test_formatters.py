"""Formatters: every format renders the same findings, escaped for where they go."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import click
import jsonschema
import pytest

from itsmctl.findings import Finding, Location, Severity
from itsmctl.report import FORMATTERS, Report
from tests.conftest import SARIF_SCHEMA

HOSTILE = [
    Finding(
        "schema",
        Severity.ERROR,
        "value ::set-output name=x::y and 100% sure",
        Location("catalog/a,b:c.yaml", 3, 5),
        "hint\n::add-mask::secret",
    ),
    Finding(
        "dangling-reference",
        Severity.WARNING,
        "line\r\n::error::forged\x1b[31mred\x07 <script>",
        Location("catalog/x.yaml", 0, 0),
    ),
    Finding("team/titled", Severity.INFO, "policy says \x01 hi", Location("policies/p.yaml", 9, 0), "desc"),
]


def _report(findings: list[Finding] = HOSTILE, fail_on: Severity = Severity.ERROR) -> Report:
    return Report(
        "validate",
        findings,
        fail_on,
        files=["catalog/a,b:c.yaml", "catalog/x.yaml", "policies/p.yaml", "catalog/clean.yaml"],
        records=4,
        policy_rules={"team/titled": "Teams have titles."},
    )


def test_github_commands_are_escaped_and_only_ours_start_lines() -> None:
    lines = FORMATTERS["github"](_report()).splitlines()
    assert [line.split(" ", 1)[0] for line in lines[:3]] == ["::error", "::warning", "::notice"]
    assert all(not line.startswith("::") for line in lines[3:])
    first = lines[0]
    assert "file=catalog/a%2Cb%3Ac.yaml,line=3,col=5,title=itsmctl schema::" in first
    assert "100%25 sure" in first and "%0A::add-mask::secret" in first
    assert "%0D%0A::error::forged" in lines[1]
    assert lines[-1].startswith("itsmctl validate: 1 error, 1 warning, 1 note")


def test_text_has_no_control_characters_and_one_line_per_finding() -> None:
    text = click.unstyle(FORMATTERS["text"](_report()))  # our own colours go when not on a terminal
    assert "\x1b[31m" not in text and "\x07" not in text and "\r" not in text and "\x01" not in text
    assert sum(1 for line in text.splitlines() if "[dangling-reference]" in line) == 1
    assert "\\x1b[31mred" in text


def test_json_shape() -> None:
    document = json.loads(FORMATTERS["json"](_report()))
    assert set(document) == {"version", "tool", "command", "findings", "summary"}
    assert document["findings"][0] == {
        "rule": "schema",
        "severity": "error",
        "message": "value ::set-output name=x::y and 100% sure",
        "hint": "hint\n::add-mask::secret",
        "path": "catalog/a,b:c.yaml",
        "line": 3,
        "column": 5,
    }
    assert document["summary"] == {
        "files": 4,
        "records": 4,
        "error": 1,
        "warning": 1,
        "info": 1,
        "failOn": "error",
        "failed": True,
    }


def test_junit_is_xml_with_one_case_per_file() -> None:
    root = ET.fromstring(FORMATTERS["junit"](_report(fail_on=Severity.WARNING)))
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases] == [
        "catalog/a,b:c.yaml",
        "catalog/x.yaml",
        "policies/p.yaml",
        "catalog/clean.yaml",
    ]
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["catalog/a,b:c.yaml", "catalog/x.yaml"]
    assert root.find("testsuite").get("failures") == "2"  # type: ignore[union-attr]


def test_sarif_is_valid_against_the_official_schema() -> None:
    document = json.loads(FORMATTERS["sarif"](_report()))
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(document)
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    no_line = next(r for r in run["results"] if r["ruleId"] == "dangling-reference")
    assert "region" not in no_line["locations"][0]["physicalLocation"]
    assert {r["id"] for r in rules} >= {"schema", "dangling-reference", "team/titled", "yaml-syntax"}
    assert next(r for r in rules if r["id"] == "team/titled")["shortDescription"]["text"] == "Teams have titles."
    assert [r["level"] for r in run["results"]] == ["error", "warning", "note"]


@pytest.mark.parametrize("name", sorted(FORMATTERS))
def test_every_format_renders_an_empty_report(name: str) -> None:
    text = FORMATTERS[name](_report([]))
    assert text.endswith("\n") and (name != "json" or json.loads(text)["summary"]["failed"] is False)
    assert not re.search(r"\bTraceback\b", text)

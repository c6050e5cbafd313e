"""Formatters: every format renders the same findings, escaped for where they go.

Messages and paths carry text from records and file names, so every test here
feeds hostile text: workflow commands, control characters, escape sequences,
XML-invalid characters and markup.
"""

from __future__ import annotations

import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import click
import jsonschema
import pytest

from itsmctl import __version__
from itsmctl.findings import Finding, Location, Severity
from itsmctl.report import FORMATTERS, Report
from itsmctl.report.escape import terminal, visible
from itsmctl.rules import REGISTRY
from tests.conftest import SARIF_SCHEMA

EVIL_PATH = "catalog/evil\n::warning file=x::pwned.yaml"

HOSTILE = [
    Finding(
        "schema",
        Severity.ERROR,
        "value ::set-output name=x::y and 100% sure, literally %0A",
        Location("catalog/a,b:c.yaml", 3, 5),
        "hint\n::add-mask::secret",
    ),
    Finding(
        "dangling-reference",
        Severity.WARNING,
        "line\r\n::error::forged\x1b[31mred\x07 <script>alert(1)</script> & \x00\x0b\x0c\ufffe",
        Location("catalog/x.yaml", 0, 0),
    ),
    Finding("team/titled", Severity.INFO, "policy says \x01 hi\x85", Location("policies/p.yaml", 9, 0), "desc\r"),
    Finding("duplicate-key", Severity.ERROR, "plain", Location(EVIL_PATH, 1, 1), details={"first": 1}),
]
FILES = ["catalog/a,b:c.yaml", "catalog/x.yaml", "policies/p.yaml", "catalog/clean.yaml"]


def _report(findings: list[Finding] = HOSTILE, fail_on: Severity = Severity.ERROR) -> Report:
    return Report(
        "validate",
        findings,
        fail_on,
        files=FILES,
        records=4,
        policy_rules={"team/titled": "Teams have titles."},
    )


def _runner_lines(output: str) -> list[str]:
    """Split output into lines as the GitHub Actions runner reads them (\\n, \\r\\n or \\r)."""
    return re.split(r"\r\n|\r|\n", output.removesuffix("\n"))


# --- github -----------------------------------------------------------------------------------

_UNESCAPE_DATA = {"%25": "%", "%0D": "\r", "%0A": "\n"}
_UNESCAPE_PROPERTY = {**_UNESCAPE_DATA, "%3A": ":", "%2C": ","}


def _unescape(text: str, table: dict[str, str]) -> str:
    return re.sub("|".join(table), lambda m: table[m.group()], text)


def _parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Parse a workflow command the way the runner does: ``::name k=v,k=v::data``."""
    assert line.startswith("::")
    end = line.index("::", 2)
    name, _, properties = line[2:end].partition(" ")
    parsed = {}
    for item in filter(None, properties.split(",")):
        key, _, value = item.partition("=")
        parsed[key] = _unescape(value, _UNESCAPE_PROPERTY)
    return name, parsed, _unescape(line[end + 2 :], _UNESCAPE_DATA)


def test_github_only_our_lines_are_commands() -> None:
    lines = _runner_lines(FORMATTERS["github"](_report()))
    assert len(lines) == len(HOSTILE) + 1
    assert [line.split(" ", 1)[0] for line in lines[:-1]] == ["::error", "::warning", "::notice", "::error"]
    assert not lines[-1].startswith("::")
    assert lines[-1].startswith("itsmctl validate: 2 errors, 1 warning, 1 note")


def test_github_annotations_round_trip_through_the_runner_parser() -> None:
    lines = _runner_lines(FORMATTERS["github"](_report()))
    for finding, line in zip(HOSTILE, lines, strict=False):
        name, properties, data = _parse_command(line)
        assert name == {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}[finding.severity]
        # Read back exactly, but for what would hide or reorder text: shown as escapes (issue 11, item 11).
        assert properties["file"] == visible(finding.location.path)
        assert properties["title"] == f"itsmctl {finding.rule}"
        assert properties.get("line") == (str(finding.location.line) if finding.location.line else None)
        assert properties.get("col") == (str(finding.location.column) if finding.location.column else None)
        assert data == visible(finding.message + (f"\n{finding.hint}" if finding.hint else ""), keep_newlines=True)


def test_github_escapes_data_and_properties_as_documented() -> None:
    lines = _runner_lines(FORMATTERS["github"](_report()))
    assert lines[0].startswith("::error file=catalog/a%2Cb%3Ac.yaml,line=3,col=5,title=itsmctl schema::")
    assert "100%25 sure, literally %250A%0Ahint%0A::add-mask::secret" in lines[0]
    assert lines[1].startswith(
        "::warning file=catalog/x.yaml,title=itsmctl dangling-reference::line\\r%0A::error::forged\\x1b[31mred\\x07"
    )
    assert lines[2].startswith("::notice file=policies/p.yaml,line=9,title=itsmctl team/titled::")
    assert lines[2].endswith("%0Adesc\\r")
    assert lines[3].startswith("::error file=catalog/evil\\n%3A%3Awarning file=x%3A%3Apwned.yaml,line=1,col=1,")


def test_github_summary_cannot_be_forged_and_output_ends_with_a_newline() -> None:
    output = FORMATTERS["github"](_report([]))
    assert output.endswith("\n") and _runner_lines(output) == [
        "itsmctl validate: 0 errors, 0 warnings (4 records in 4 files checked)"
    ]


# --- text -------------------------------------------------------------------------------------

_RAW_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def _plain_text(report: Report, monkeypatch: pytest.MonkeyPatch) -> str:
    """Text output with our own colours switched off: any control character left came from the data."""
    monkeypatch.setattr(click, "style", lambda text, **_: text)
    return FORMATTERS["text"](report)


def test_text_has_no_raw_control_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _plain_text(_report(), monkeypatch)
    assert not _RAW_CONTROL.search(text), repr(_RAW_CONTROL.search(text))
    assert not any(unicodedata.category(c) == "Cc" and c != "\n" for c in text)
    # Shown, not interpreted.
    assert "\\x1b[31mred" in text and "\\x07" in text and "\\x85" in text
    assert "line\\n::error::forged" in text


def test_text_with_colours_has_only_our_escape_sequences() -> None:
    text = click.unstyle(FORMATTERS["text"](_report()))
    assert not _RAW_CONTROL.search(text)


def test_text_has_one_line_per_finding_and_a_hint_line_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _plain_text(_report(), monkeypatch).splitlines()
    for finding in HOSTILE:
        (index,) = [i for i, line in enumerate(lines) if line.endswith(f"[{finding.rule}]")]
        if finding.hint:
            assert lines[index + 1].strip().startswith("hint:")
    assert not any(line.startswith("::") for line in lines)


def test_text_groups_by_file_and_shows_positions(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = [
        Finding("schema", Severity.ERROR, "a", Location("catalog/a.yaml", 3, 5)),
        Finding("schema", Severity.WARNING, "b", Location("catalog/a.yaml", 9, 0)),
        Finding("unsafe-path", Severity.ERROR, "c", Location("catalog/b.yaml")),
    ]
    lines = _plain_text(_report(findings), monkeypatch).splitlines()
    assert lines[0] == "catalog/a.yaml"
    assert re.fullmatch(r" +3:5  error    a  \[schema\]", lines[1])
    assert re.fullmatch(r" +9  warning  b  \[schema\]", lines[2])
    assert lines[3] == "" and lines[4] == "catalog/b.yaml"
    assert re.fullmatch(r" +-  error    c  \[unsafe-path\]", lines[5])
    assert lines[-1] == "✖ 2 errors, 1 warning in 2 files (4 records in 4 files checked)"


def test_text_summary_passes_below_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    warning = [Finding("schema", Severity.WARNING, "w", Location("catalog/a.yaml", 1, 1))]
    assert _plain_text(_report(warning), monkeypatch).splitlines()[-1].startswith("✔ 0 errors, 1 warning")
    assert _plain_text(_report(warning, Severity.WARNING), monkeypatch).splitlines()[-1].startswith("✖")


# --- junit ------------------------------------------------------------------------------------


def test_junit_parses_and_has_one_case_per_file() -> None:
    root = ET.fromstring(FORMATTERS["junit"](_report()))
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [*FILES, "catalog/evil\\n::warning file=x::pwned.yaml"]
    assert root.get("tests") == suite.get("tests") == "5"
    assert {c.get("classname") for c in cases} == {"itsmctl.validate"}


@pytest.mark.parametrize(
    "fail_on, failing",
    [
        (Severity.ERROR, ["catalog/a,b:c.yaml", terminal(EVIL_PATH)]),
        (Severity.WARNING, ["catalog/a,b:c.yaml", "catalog/x.yaml", terminal(EVIL_PATH)]),
        (Severity.INFO, ["catalog/a,b:c.yaml", "catalog/x.yaml", "policies/p.yaml", terminal(EVIL_PATH)]),
    ],
)
def test_junit_failures_are_the_files_with_findings_at_or_above_fail_on(fail_on: Severity, failing: list[str]) -> None:
    root = ET.fromstring(FORMATTERS["junit"](_report(fail_on=fail_on)))
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases if c.find("failure") is not None] == failing
    assert root.get("failures") == root.find("testsuite").get("failures") == str(len(failing))  # type: ignore[union-attr]
    # Files with findings below the threshold list them as output; clean files have nothing.
    for case in cases:
        if case.get("name") == "catalog/clean.yaml":
            assert list(case) == []
        elif case.find("failure") is None:
            assert case.find("system-out") is not None


def test_junit_keeps_markup_as_text_and_replaces_what_xml_cannot_hold() -> None:
    output = FORMATTERS["junit"](_report(fail_on=Severity.WARNING))
    assert "<script>" not in output
    root = ET.fromstring(output)
    failure = root.find(".//testcase[@name='catalog/x.yaml']/failure")
    assert failure is not None and failure.get("type") == "dangling-reference"
    assert failure.text is not None and "<script>alert(1)</script> &" in failure.text
    assert "catalog/x.yaml warning [dangling-reference]" in failure.text
    # Shown as escapes, one line per finding; what XML cannot hold at all is replaced.
    assert "\x1b" not in failure.text and "\x00" not in failure.text and "\\x1b[31mred" in failure.text
    assert "line\\n::error::forged" in failure.text and "\\x00\\x0b\\x0c\ufffd" in failure.text
    assert failure.get("message", "").startswith("1 finding(s); first: line")


def test_junit_lists_a_file_that_only_appears_in_findings() -> None:
    report = Report("validate", [Finding("unsafe-path", Severity.ERROR, "m", Location("catalog/link.yaml"))], files=[])
    root = ET.fromstring(FORMATTERS["junit"](report))
    assert [c.get("name") for c in root.findall(".//testcase")] == ["catalog/link.yaml"]


# --- json -------------------------------------------------------------------------------------


def _strict_json(text: str) -> object:
    def refuse(constant: str) -> object:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_json_matches_the_documented_shape() -> None:
    document = _strict_json(FORMATTERS["json"](_report()))
    assert isinstance(document, dict)
    assert list(document) == ["version", "tool", "command", "findings", "summary"]
    assert document["version"] == 1
    assert document["tool"] == {"name": "itsmctl", "version": __version__}
    assert document["command"] == "validate"
    assert document["summary"] == {
        "files": 4,
        "records": 4,
        "error": 2,
        "warning": 1,
        "info": 1,
        "failOn": "error",
        "failed": True,
    }
    keys = ["rule", "severity", "message", "hint", "path", "line", "column"]
    for finding, shown in zip(HOSTILE, document["findings"], strict=True):
        assert list(shown) == (keys + ["details"] if finding.details else keys)
        assert shown["rule"] == finding.rule and shown["severity"] == str(finding.severity)
        # Hostile text survives exactly: JSON escapes it, nothing is lost.
        assert (shown["message"], shown["hint"], shown["path"]) == (
            finding.message,
            finding.hint,
            finding.location.path,
        )
        assert (shown["line"], shown["column"]) == (finding.location.line, finding.location.column)
    assert document["findings"][3]["details"] == {"first": 1}


def test_json_failed_follows_fail_on() -> None:
    warning = [Finding("schema", Severity.WARNING, "w", Location("a.yaml", 1, 1))]
    summary = _strict_json(FORMATTERS["json"](_report(warning)))["summary"]  # type: ignore[index]
    assert (summary["failOn"], summary["failed"]) == ("error", False)
    summary = _strict_json(FORMATTERS["json"](_report(warning, Severity.INFO)))["summary"]  # type: ignore[index]
    assert (summary["failOn"], summary["failed"]) == ("info", True)


# --- sarif ------------------------------------------------------------------------------------


def _sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(Path(SARIF_SCHEMA).read_text(encoding="utf-8"))
    # The OASIS file declares draft-04; validate with the draft it declares.
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def test_sarif_is_valid_against_the_official_schema() -> None:
    document = json.loads(FORMATTERS["sarif"](_report()))
    errors = sorted(_sarif_validator().iter_errors(document), key=str)
    assert errors == [], errors[0].message if errors else ""
    assert document["version"] == "2.1.0"


def test_sarif_rule_index_points_at_the_rule_with_the_same_id() -> None:
    run = json.loads(FORMATTERS["sarif"](_report()))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids))
    assert {rule_id for rule_id in REGISTRY if "/" not in rule_id} <= set(ids)
    assert [r["ruleId"] for r in run["results"]] == [f.rule for f in HOSTILE]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    policy = rules[ids.index("team/titled")]
    assert policy["shortDescription"]["text"] == "Teams have titles." and policy["properties"]["tags"] == ["policy"]
    assert rules[ids.index("schema")]["defaultConfiguration"]["level"] == "error"


def test_sarif_regions_only_where_a_line_is_known() -> None:
    run = json.loads(FORMATTERS["sarif"](_report()))["runs"][0]
    physical = [r["locations"][0]["physicalLocation"] for r in run["results"]]
    assert physical[0]["region"] == {"startLine": 3, "startColumn": 5}
    assert "region" not in physical[1]  # line 0: unknown
    assert physical[2]["region"] == {"startLine": 9}
    assert [r["level"] for r in run["results"]] == ["error", "warning", "note", "error"]
    assert run["results"][0]["message"]["text"].endswith("(hint\n::add-mask::secret)")


def test_sarif_accepts_a_rule_id_it_has_never_heard_of() -> None:
    report = Report("validate", [Finding("made-up", Severity.ERROR, "m", Location("a.yaml", 1, 1))])
    document = json.loads(FORMATTERS["sarif"](report))
    run = document["runs"][0]
    assert run["tool"]["driver"]["rules"][run["results"][0]["ruleIndex"]]["id"] == "made-up"
    assert list(_sarif_validator().iter_errors(document)) == []


_URI_REFERENCE = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*")


@pytest.mark.parametrize("path", ["catalog/my file.yaml", "catalog/100%.yaml", "catalog/a#b.yaml", "catalog/a%41.yaml"])
def test_sarif_uris_are_percent_encoded(path: str) -> None:
    report = Report("validate", [Finding("schema", Severity.ERROR, "m", Location(path, 1, 1))], files=[path])
    run = json.loads(FORMATTERS["sarif"](report))["runs"][0]
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert _URI_REFERENCE.fullmatch(uri), uri
    assert unquote(uri) == path


# --- every format -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FORMATTERS))
def test_every_format_renders_an_empty_report(name: str) -> None:
    text = FORMATTERS[name](_report([]))
    assert text.endswith("\n")
    if name == "json":
        assert _strict_json(text)["summary"]["failed"] is False  # type: ignore[index]
    elif name == "junit":
        assert ET.fromstring(text).get("failures") == "0"
    elif name == "sarif":
        assert json.loads(text)["runs"][0]["results"] == []
    else:
        assert "0 errors, 0 warnings" in click.unstyle(text)


def test_formatters_table_lists_the_documented_formats() -> None:
    assert sorted(FORMATTERS) == ["github", "json", "junit", "sarif", "text"]

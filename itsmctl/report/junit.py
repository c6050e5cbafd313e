"""JUnit XML: one test case per checked file, failing when it has findings.

CI systems show names and messages as text: every value is shown visibly (see
``escape``), one line per finding, and the XML is made safe to print in a CI log.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from itsmctl.findings import Finding
from itsmctl.report.escape import ci_safe_xml, terminal, xml_text
from itsmctl.report.model import Report


def _line(finding: Finding) -> str:
    return (
        f"{terminal(str(finding.location))} {finding.severity} [{terminal(finding.rule)}] {terminal(finding.message)}"
    )


def render(report: Report) -> str:
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_file[finding.location.path].append(finding)
    files = list(dict.fromkeys([*report.files, *by_file]))
    failing = [path for path in files if any(f.severity >= report.fail_on for f in by_file.get(path, ()))]
    suite = ET.Element(
        "testsuite",
        name=f"itsmctl {report.command}",
        tests=str(len(files)),
        failures=str(len(failing)),
        errors="0",
        skipped="0",
    )
    for path in files:
        case = ET.SubElement(suite, "testcase", classname=f"itsmctl.{report.command}", name=xml_text(terminal(path)))
        findings = by_file.get(path, [])
        blocking = [f for f in findings if f.severity >= report.fail_on]
        if blocking:
            first = blocking[0]
            failure = ET.SubElement(
                case,
                "failure",
                message=xml_text(f"{len(blocking)} finding(s); first: {terminal(first.message)}"),
                type=xml_text(terminal(first.rule)),
            )
            failure.text = xml_text("\n".join(_line(f) for f in findings))
        elif findings:
            out = ET.SubElement(case, "system-out")
            out.text = xml_text("\n".join(_line(f) for f in findings))
    root = ET.Element("testsuites", name="itsmctl", tests=suite.get("tests", "0"), failures=suite.get("failures", "0"))
    root.append(suite)
    ET.indent(root)
    return ci_safe_xml('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n")

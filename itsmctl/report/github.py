"""GitHub Actions workflow commands: annotations on the pull request's files.

GitHub shows at most 10 annotations of each type per step, so a plain summary
line follows them. Every value is escaped as the runner requires, so text from
a record can never start a workflow command of its own.
"""

from __future__ import annotations

from itsmctl.findings import Severity
from itsmctl.report.escape import github_data, github_property, terminal, visible
from itsmctl.report.model import Report

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(report: Report) -> str:
    lines = []
    for finding in report.findings:
        location = finding.location
        # The path as the runner will read it back: exact, unless it holds characters that hide or
        # reorder text (then shown as escapes, and GitHub cannot place the annotation in the file).
        properties = [f"file={github_property(visible(location.path))}"]
        if location.line:
            properties.append(f"line={location.line}")
        if location.column:
            properties.append(f"col={location.column}")
        properties.append(f"title={github_property(visible(f'itsmctl {finding.rule}'))}")
        message = finding.message + (f"\n{finding.hint}" if finding.hint else "")
        lines.append(f"::{_COMMAND[finding.severity]} {','.join(properties)}::{github_data(message)}")
    # The summary is plain text: make sure it cannot be read as a command.
    lines.append(terminal(f"itsmctl {report.command}: {report.summary_line()}"))
    return "\n".join(lines) + "\n"

"""Human output: findings grouped per file, coloured on a terminal."""

from __future__ import annotations

from itertools import groupby

import click

from itsmctl.findings import Severity
from itsmctl.report.escape import terminal
from itsmctl.report.model import Report

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render(report: Report) -> str:
    lines: list[str] = []
    for path, group in groupby(report.findings, key=lambda f: f.location.path):
        lines.append(click.style(terminal(path), bold=True, underline=True))
        for finding in group:
            loc = finding.location
            position = f"{loc.line}:{loc.column}" if loc.column else (str(loc.line) if loc.line else "-")
            severity = click.style(f"{finding.severity!s:<7}", fg=_COLOURS[finding.severity])
            rule = click.style(f"[{terminal(finding.rule)}]", dim=True)
            lines.append(f"  {position:>8}  {severity}  {terminal(finding.message)}  {rule}")
            if finding.hint:
                lines.append(f"  {'':>8}  {'':7}  {click.style('hint:', dim=True)} {terminal(finding.hint)}")
        lines.append("")
    mark = click.style("✖", fg="red") if report.failed else click.style("✔", fg="green")
    lines.append(f"{mark} {report.summary_line()}")
    return "\n".join(lines) + "\n"

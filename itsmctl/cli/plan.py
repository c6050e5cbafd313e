"""``itsmctl plan``: what a pull request changes, from git objects only."""

from __future__ import annotations

from pathlib import Path

import click

from itsmctl.cli.common import repository_root
from itsmctl.cli.options import emit, fail_on_option, output_option, parse_severity
from itsmctl.findings import exit_code_for, sort_findings
from itsmctl.flow.plan import build_plan
from itsmctl.flow.trailers import trailer_check
from itsmctl.report.plan import render_json, render_markdown, render_text
from itsmctl.vcs.git import open_repository


@click.command()
@click.option("--base", required=True, metavar="REV", help="The branch the pull request goes into, e.g. origin/main.")
@click.option("--head", default="HEAD", show_default=True, metavar="REV", help="The pull request's head.")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True
)
@click.option(
    "--approvals",
    type=click.Choice(["none", "trailers"]),
    default="none",
    show_default=True,
    help="trailers: count Approved-by trailers of the head merge commit and fail when approvals are missing.",
)
@fail_on_option
@output_option
def plan(base: str, head: str, output_format: str, approvals: str, fail_on: str, output: Path | None) -> int:
    """Report the records a pull request adds, modifies and removes, with risk and required approvals.

    Reads both revisions from git objects (not the working tree). Fails on
    illegal status transitions, edits to approved changes, change id
    collisions with the base branch, and anything validate finds at the head.
    """
    repo = open_repository(repository_root())
    result = build_plan(repo, base, head)
    received = record_received = None
    if approvals == "trailers":
        check = trailer_check(repo, result)
        received, record_received = check.results, check.record_results
        result.findings = sort_findings([*result.findings, *check.findings])
    if output_format == "text":
        text = render_text(result)
    else:
        text = (render_json if output_format == "json" else render_markdown)(result, received, record_received)
    emit(text, output)
    return exit_code_for(result.findings, parse_severity(fail_on))

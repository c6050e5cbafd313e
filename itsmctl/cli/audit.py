"""``itsmctl audit``: evidence from git history, for auditors with nothing but a clone."""

from __future__ import annotations

from pathlib import Path

import click

from itsmctl.audit.select import select
from itsmctl.audit.walk import run_audit
from itsmctl.cli.common import named_ref, repository_root
from itsmctl.cli.options import emit, output_option
from itsmctl.errors import ItsmError
from itsmctl.findings import Severity, exit_code_for
from itsmctl.graph.cmdb import build_graph
from itsmctl.load.repository import load_tree
from itsmctl.model.times import parse_cli_time
from itsmctl.report.audit import render_csv, render_html, render_json, render_text
from itsmctl.vcs.git import open_repository

RENDERERS = {"text": render_text, "json": render_json, "csv": render_csv, "html": render_html}


@click.command()
@click.option("--rev", default="HEAD", show_default=True, help="The branch (or commit) whose history to audit.")
@click.option("--since", metavar="DATE", help="Only changes with a transition on or after DATE.")
@click.option("--until", metavar="DATE", help="Only changes with a transition before DATE.")
@click.option("--service", metavar="NAME", help="Only changes to NAME or to what it depends on.")
@click.option("--format", "output_format", type=click.Choice(list(RENDERERS)), default="text", show_default=True)
@click.option(
    "--fail-on-violation", is_flag=True, help="Exit 1 when there is any error or warning (info notes do not fail)."
)
@output_option
def audit(
    rev: str,
    since: str | None,
    until: str | None,
    service: str | None,
    output_format: str,
    fail_on_violation: bool,
    output: Path | None,
) -> int:
    """Replay the history of changes/, catalog/ and policies/ and check the change flow at every step.

    Per change: every status transition with commit, author, committer and
    date; the merge that authorised it and the approvals recorded for it; the
    outcome; who wrote each evidence note and whether it is trusted. Findings:
    too few approvals for the policy in force then, self-approval, steps the
    lifecycle does not allow, direct commits, emergency changes closed without
    a review, work outside the approved window or in a freeze, invalid records,
    evidence notes that are not evidence, rewritten history.
    """
    try:
        start = parse_cli_time(since) if since else None
        end = parse_cli_time(until) if until else None
    except ValueError as error:
        raise ItsmError(str(error)) from None
    root = repository_root()
    report = run_audit(open_repository(root), rev)
    graph, only = None, None
    if service:
        loaded = load_tree(root)
        only = named_ref(loaded, service, ("service",)).removeprefix("service:")
        graph = build_graph(loaded.catalog)
    report = select(report, start, end, only, graph)
    emit(RENDERERS[output_format](report), output)
    # Info notes (an ignored approval that changed nothing) are not violations.
    return exit_code_for(report.findings, Severity.WARNING) if fail_on_violation else 0

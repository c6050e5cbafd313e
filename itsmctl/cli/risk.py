"""``itsmctl risk``: explained risk of one change or of all of them."""

from __future__ import annotations

import click

from itsmctl.cli.common import find_change, load_for_report, planning_for, report_exit
from itsmctl.cli.options import allow_invalid_option
from itsmctl.errors import ItsmError
from itsmctl.report.risk import (
    render_json,
    render_summary_table,
    render_text,
    render_weights_json,
    render_weights_text,
)
from itsmctl.risk.planning import PLANNING_REFERENCES
from itsmctl.risk.score import assess
from itsmctl.risk.weights import DEFAULT_WEIGHTS


@click.command()
@click.argument("change", required=False)
@click.option("--all", "all_changes", is_flag=True, help="Every change that is not closed.")
@click.option("--include-closed", is_flag=True, help="With --all: closed changes too.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--weights", "show_weights", is_flag=True, help="Print the risk weights in force and exit.")
@click.option(
    "--git-history/--no-git-history",
    default=True,
    show_default=True,
    help="Count outcomes of changes whose files were removed, from git history.",
)
@allow_invalid_option
def risk(
    change: str | None,
    all_changes: bool,
    include_closed: bool,
    output_format: str,
    show_weights: bool,
    git_history: bool,
    allow_invalid: bool,
) -> int:
    """Score a change's risk (0-100) as impact x likelihood, with every factor explained.

    Exits 1 when invalid records had to be left out (a change, a freeze or a
    policy the score cannot see), unless --allow-invalid; the output lists them.
    """
    loaded, omitted = load_for_report(counts=PLANNING_REFERENCES)
    planning = planning_for(loaded, git_history)
    if show_weights:
        weights = planning.weights
        if output_format == "json":
            click.echo(render_weights_json(weights.values, weights.sources, omitted), nl=False)
        else:
            click.echo(render_weights_text(weights.values, weights.sources, DEFAULT_WEIGHTS, omitted), nl=False)
        return report_exit(omitted, allow_invalid)
    if all_changes == (change is not None):
        raise ItsmError("give one CHANGE or --all")
    if change is not None:
        changes = [find_change(loaded, change)]
    else:
        changes = sorted(
            (c for c in loaded.catalog.changes.values() if include_closed or c.is_open),
            key=lambda c: (c.window.start.timestamp() if c.window else float("inf"), c.name),
        )
    assessments = [assess(c, planning) for c in changes]
    if output_format == "json":
        click.echo(render_json(assessments, planning.graph, change is not None, omitted), nl=False)
    elif change is not None:
        click.echo(render_text(assessments[0], planning.graph, omitted), nl=False)
    else:
        click.echo(render_summary_table(assessments, omitted), nl=False)
    return report_exit(omitted, allow_invalid)

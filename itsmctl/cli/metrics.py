"""``itsmctl metrics`` and ``itsmctl problems suggest``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from itsmctl.cli.common import load_for_report, report_exit, repository_root
from itsmctl.cli.options import allow_invalid_option
from itsmctl.errors import ItsmError
from itsmctl.model.times import parse_cli_time
from itsmctl.report.metrics import metrics_json, metrics_text, suggestions_json, suggestions_text
from itsmctl.slm.metrics import COUNTED_REFERENCES as metrics_references
from itsmctl.slm.metrics import compute_metrics, first_commits_from_trails
from itsmctl.slm.patterns import COUNTED_REFERENCES as pattern_references
from itsmctl.slm.patterns import suggest_problems


def _lead_times() -> dict[str, datetime] | None:
    from itsmctl.audit.walk import run_audit
    from itsmctl.vcs.git import open_repository

    try:
        repo = open_repository(repository_root())
        repo.commit("HEAD")
    except (ItsmError, ValueError):
        return None
    return first_commits_from_trails(run_audit(repo).trails)


@click.command()
@click.option("--from", "start", metavar="DATE", help="Start (default: 90 days ago).")
@click.option("--to", "end", metavar="DATE", help="End, exclusive (default: now).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@allow_invalid_option
def metrics(start: str | None, end: str | None, output_format: str, allow_invalid: bool) -> int:
    """Change volume, change failure rate, time to restore and lead time, overall, per service and team."""
    try:
        finish = parse_cli_time(end) if end else datetime.now(UTC)
        begin = parse_cli_time(start) if start else finish - timedelta(days=90)
    except ValueError as error:
        raise ItsmError(str(error)) from None
    loaded, omitted = load_for_report(counts=metrics_references)
    rows = compute_metrics(loaded.catalog, begin, finish, _lead_times())
    render = metrics_json if output_format == "json" else metrics_text
    click.echo(render(rows, begin, finish, omitted), nl=False)
    return report_exit(omitted, allow_invalid)


@click.group()
def problems() -> None:
    """Problem management."""


@problems.command("suggest")
@click.option(
    "--min-size", type=click.IntRange(min=2), default=2, show_default=True, help="Smallest group worth a problem."
)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@allow_invalid_option
def suggest(min_size: int, output_format: str, allow_invalid: bool) -> int:
    """Groups of similar incidents on one service or CI that have no problem record yet."""
    loaded, omitted = load_for_report(counts=pattern_references)
    found = suggest_problems(loaded.catalog, min_size)
    render = suggestions_json if output_format == "json" else suggestions_text
    click.echo(render(found, omitted), nl=False)
    return report_exit(omitted, allow_invalid)

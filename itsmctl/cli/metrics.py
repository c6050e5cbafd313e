"""``itsmctl metrics`` and ``itsmctl problems suggest``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from itsmctl.cli.common import load_for_command, repository_root
from itsmctl.errors import ItsmError
from itsmctl.model.times import parse_cli_time
from itsmctl.report.escape import terminal, to_json
from itsmctl.slm.metrics import compute_metrics, first_commits_from_trails
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


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


@click.command()
@click.option("--from", "start", metavar="DATE", help="Start (default: 90 days ago).")
@click.option("--to", "end", metavar="DATE", help="End, exclusive (default: now).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def metrics(start: str | None, end: str | None, output_format: str) -> int:
    """Change volume, change failure rate, time to restore and lead time, overall, per service and team."""
    try:
        finish = parse_cli_time(end) if end else datetime.now(UTC)
        begin = parse_cli_time(start) if start else finish - timedelta(days=90)
    except ValueError as error:
        raise ItsmError(str(error)) from None
    loaded = load_for_command()
    rows = compute_metrics(loaded.catalog, begin, finish, _lead_times())
    if output_format == "json":
        payload = {
            "version": 1,
            "from": begin.isoformat(),
            "to": finish.isoformat(),
            "scopes": [
                {
                    "scope": m.scope,
                    "changes": m.changes,
                    "failedChanges": m.failed,
                    "changeFailureRate": _round(m.failure_rate, 4),
                    "incidentsResolved": m.incidents,
                    "meanTimeToRestoreMinutes": _round(m.mean_time_to_restore),
                    "medianLeadTimeHours": _round(m.median_lead_time),
                }
                for m in rows
            ],
        }
        click.echo(to_json(payload), nl=False)
        return 0
    click.echo(f"metrics {begin:%Y-%m-%d} .. {finish:%Y-%m-%d}\n")
    click.echo(f"{'scope':<34} {'changes':>7} {'failure rate':>12} {'incidents':>9} {'MTTR':>9} {'lead time':>10}")
    for m in rows:
        rate = f"{m.failure_rate:.0%}" if m.failure_rate is not None else "-"
        mttr = f"{m.mean_time_to_restore:.0f}m" if m.mean_time_to_restore is not None else "-"
        lead = f"{m.median_lead_time:.1f}h" if m.median_lead_time is not None else "-"
        click.echo(f"{terminal(m.scope):<34} {m.changes:>7} {rate:>12} {m.incidents:>9} {mttr:>9} {lead:>10}")
    return 0


@click.group()
def problems() -> None:
    """Problem management."""


@problems.command("suggest")
@click.option(
    "--min-size", type=click.IntRange(min=2), default=2, show_default=True, help="Smallest group worth a problem."
)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def suggest(min_size: int, output_format: str) -> int:
    """Groups of similar incidents on one service or CI that have no problem record yet."""
    loaded = load_for_command()
    found = suggest_problems(loaded.catalog, min_size)
    if output_format == "json":
        payload = [{"on": s.on, "incidents": list(s.incidents), "sharedWords": list(s.shared_words)} for s in found]
        click.echo(to_json({"version": 1, "suggestions": payload}), nl=False)
        return 0
    if not found:
        click.echo("no recurring incidents without a problem record")
    for s in found:
        # The shared words come from incident titles.
        shared = terminal(", ".join(s.shared_words[:8]))
        click.echo(f"{terminal(s.on)}: {terminal(', '.join(s.incidents))}  (shared: {shared})")
    return 0

"""``itsmctl sla report``: SLA compliance over a period."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from itsmctl.cli.common import load_for_report, named_ref, report_exit
from itsmctl.cli.options import allow_invalid_option, emit, output_option
from itsmctl.errors import ItsmError
from itsmctl.model.times import check_year, parse_cli_time
from itsmctl.report.slm import render_csv, render_json, render_text
from itsmctl.slm.compliance import COUNTED_REFERENCES, sla_report


def period_bounds(period: str | None, start: str | None, end: str | None) -> tuple[datetime, datetime]:
    """A month (YYYY-MM, in UTC) or explicit --from/--to; defaults to the previous calendar month."""
    try:
        if period:
            if start or end:
                raise ItsmError("give --period or --from/--to, not both")
            begin = datetime.strptime(period, "%Y-%m").replace(tzinfo=UTC)
            check_year(begin, period)  # the month after December 9999 does not exist
        elif start or end:
            if not (start and end):
                raise ItsmError("give both --from and --to")
            first, last = parse_cli_time(start), parse_cli_time(end)
            if last <= first:
                raise ItsmError("--to must be after --from")
            return first, last
        else:
            today = datetime.now(UTC)
            begin = datetime(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1, tzinfo=UTC)
    except ValueError as error:
        raise ItsmError(f"{period or start}: {error}; write a month as YYYY-MM") from None
    finish = datetime(begin.year + (begin.month == 12), begin.month % 12 + 1, 1, tzinfo=UTC)
    return begin, finish


@click.group()
def sla() -> None:
    """Service level management."""


@sla.command("report")
@click.option("--period", metavar="YYYY-MM", help="A calendar month (UTC). Default: the previous month.")
@click.option("--from", "start", metavar="DATE", help="Start of the period (with --to).")
@click.option("--to", "end", metavar="DATE", help="End of the period (exclusive).")
@click.option("--service", help="Only this service.")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True
)
@output_option
@allow_invalid_option
def report(
    period: str | None,
    start: str | None,
    end: str | None,
    service: str | None,
    output_format: str,
    output: Path | None,
    allow_invalid: bool,
) -> int:
    """Availability, error budget, response and resolution per service against its SLA.

    Exits 1 when invalid records had to be left out (an invalid incident is an
    outage the report cannot count), unless --allow-invalid; the report lists them.
    """
    begin, finish = period_bounds(period, start, end)
    loaded, omitted = load_for_report(counts=COUNTED_REFERENCES)
    only = named_ref(loaded, service, ("service",)).removeprefix("service:") if service else None
    reports = sla_report(loaded.catalog, begin, finish, only)
    renderers = {"text": render_text, "json": render_json, "csv": render_csv}
    emit(renderers[output_format](reports, begin, finish, omitted), output)
    return report_exit(omitted, allow_invalid)

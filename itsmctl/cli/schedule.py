"""``itsmctl schedule``: the forward schedule of change, with its conflicts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from itsmctl.cli.common import load_for_report, planning_for, report_exit
from itsmctl.cli.options import allow_invalid_option, emit, output_option
from itsmctl.errors import ItsmError
from itsmctl.model.times import parse_cli_time
from itsmctl.report.schedule import render_ics, render_json, render_text
from itsmctl.risk.planning import PLANNING_REFERENCES
from itsmctl.risk.schedule import build_schedule
from itsmctl.risk.score import assess


def _time(value: str | None, default: datetime | None) -> datetime | None:
    if value is None:
        return default
    try:
        return parse_cli_time(value)
    except ValueError as error:
        raise ItsmError(str(error)) from None


@click.command()
@click.option("--from", "start", metavar="DATE", help="Start of the period (default: now; 'all' for no limit).")
@click.option("--to", "end", metavar="DATE", help="End of the period (default: no limit).")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json", "ics"]), default="text", show_default=True
)
@output_option
@allow_invalid_option
def schedule(start: str | None, end: str | None, output_format: str, output: Path | None, allow_invalid: bool) -> int:
    """Every change past draft and not closed, in time order, with conflicts and freezes.

    The ics format is an RFC 5545 feed (one event per change, freezes as
    all-day events) a CAB can subscribe to.
    """
    now = datetime.now(UTC)
    begin = None if start == "all" else _time(start, now)
    finish = _time(end, None)
    if begin and finish and finish <= begin:
        raise ItsmError("--to must be after --from")
    loaded, omitted = load_for_report(counts=PLANNING_REFERENCES)
    planning = planning_for(loaded)
    plan = build_schedule(planning, begin, finish)
    risks = {change.name: assess(change, planning) for change in plan.changes}
    renderers = {"text": render_text, "json": render_json, "ics": render_ics}
    emit(renderers[output_format](plan, risks, omitted), output)
    return report_exit(omitted, allow_invalid)

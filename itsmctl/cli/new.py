"""``itsmctl new change``: scaffold a change request."""

from __future__ import annotations

import click

from itsmctl.cli.common import load_for_command, repository_root
from itsmctl.errors import ItsmError
from itsmctl.flow.scaffold import NewChange, default_requester, write_new_change
from itsmctl.model.durations import parse_duration
from itsmctl.model.times import parse_cli_time


@click.group()
def new() -> None:
    """Create records from templates."""


@new.command("change")
@click.option("--title", required=True, help="One line saying what changes.")
@click.option(
    "--target", "targets", multiple=True, required=True, metavar="REF", help="service:NAME or ci:NAME (repeatable)."
)
@click.option(
    "--type", "change_type", type=click.Choice(["standard", "normal", "emergency"]), default="normal", show_default=True
)
@click.option("--start", help="Window start, ISO 8601 (UTC if no offset).")
@click.option("--duration", default="1h", show_default=True, help="Window length, e.g. 2h or 1h30m.")
@click.option("--requester", help="GitHub login (default: $GITHUB_ACTOR or git config github.user).")
@click.option("--template", help="For a standard change: standard:NAME.")
def new_change(
    title: str,
    targets: tuple[str, ...],
    change_type: str,
    start: str | None,
    duration: str,
    requester: str | None,
    template: str | None,
) -> int:
    """Write changes/YYYY/chg-YYYYMMDD-xxxx.yaml with a collision-free id. Never overwrites a file."""
    requester = requester or default_requester()
    if not requester:
        raise ItsmError("who is asking? give --requester LOGIN, set GITHUB_ACTOR, or 'git config github.user LOGIN'")
    if len(title.strip()) < 5:
        raise ItsmError("--title must say what changes (at least 5 characters)")
    try:
        window_start = parse_cli_time(start) if start else None
        window_length = parse_duration(duration)
    except ValueError as error:
        raise ItsmError(str(error)) from None
    loaded = load_for_command()
    change = NewChange(title.strip(), targets, change_type, requester, window_start, window_length, template)
    path = write_new_change(repository_root(), loaded.catalog, change)
    click.echo(str(path))
    return 0

"""``itsmctl gate``: may this deploy go ahead now? For any CI system."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from itsmctl.cli.common import load_for_report
from itsmctl.errors import ItsmError
from itsmctl.flow.gate import decide
from itsmctl.model.times import parse_cli_time
from itsmctl.report import omitted as omitted_note
from itsmctl.report.escape import terminal, to_json
from itsmctl.risk.planning import PLANNING_REFERENCES


@click.command()
@click.option("--service", required=True, help="The service being deployed (name, or service:NAME).")
@click.option("--ci", help="The CI deployed to (name, or ci:NAME); a change targeting it also opens the gate.")
@click.option("--env", "environment", help="Environment of the deploy; must match the CI's.")
@click.option(
    "--at", "moment", default="now", show_default=True, help="Moment of the deploy (ISO 8601; UTC if no offset)."
)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def gate(service: str, ci: str | None, environment: str | None, moment: str, output_format: str) -> int:
    """Exit 0 only when an approved change covers this deploy now, outside any freeze; else 1 with reasons.

    An invalid record (one the catalog cannot hold) keeps the gate closed: it
    may be the freeze that forbids this deploy.
    """
    try:
        at = parse_cli_time(moment) if moment != "now" else datetime.now(UTC)
    except ValueError as error:
        raise ItsmError(str(error)) from None
    loaded, omitted = load_for_report(counts=PLANNING_REFERENCES)
    decision = decide(
        loaded.catalog,
        service.removeprefix("service:"),
        ci.removeprefix("ci:") if ci else None,
        environment,
        at,
        omitted,
    )
    if output_format == "json":
        payload = {
            "version": 1,
            "open": decision.open,
            "service": decision.service,
            "ci": decision.ci,
            "environment": decision.environment,
            "at": at.isoformat(),
            "change": decision.change,
            "candidates": [
                {"change": c.change, "status": c.status, "opens": c.opens, "reason": c.reason}
                for c in decision.candidates
            ],
            "problems": decision.problems,
            "omitted": omitted_note.to_json(decision.omitted),
        }
        click.echo(to_json(payload), nl=False)
    else:
        # --service and --ci come from the deploy pipeline's inputs: printed back, they stay text.
        target = terminal(f"service:{decision.service}" + (f" on ci:{decision.ci}" if decision.ci else ""))
        if decision.open:
            click.echo(f"gate OPEN for {target} at {at.isoformat()}: change {terminal(decision.change or '')}")
        else:
            click.echo(f"gate CLOSED for {target} at {at.isoformat()}")
        for problem in decision.problems:
            click.echo(f"  {terminal(problem)}")
        for candidate in decision.candidates:
            mark = "+" if candidate.opens else "-"
            click.echo(f"  {mark} {terminal(candidate.change)}: {terminal(candidate.reason)}")
        if not decision.open and not decision.candidates and not decision.problems:
            click.echo("  no change targets it; open one with 'itsmctl new change'")
    return 0 if decision.open else 1

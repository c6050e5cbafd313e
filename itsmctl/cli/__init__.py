"""The ``itsmctl`` command: a click group; each verb lives in its own module.

Exit codes, for every command: 0 ok; 1 findings (or a closed gate); 2 usage or
input error. Errors are printed as one clear line, never as a traceback (set
ITSMCTL_DEBUG=1 to see one for an internal error).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from itsmctl import __version__
from itsmctl.cli import audit as audit_command
from itsmctl.cli import evidence as evidence_command
from itsmctl.cli import gate as gate_command
from itsmctl.cli import graph as graph_command
from itsmctl.cli import impact as impact_command
from itsmctl.cli import metrics as metrics_command
from itsmctl.cli import new as new_command
from itsmctl.cli import plan as plan_command
from itsmctl.cli import review as review_command
from itsmctl.cli import risk as risk_command
from itsmctl.cli import rules as rules_command
from itsmctl.cli import schedule as schedule_command
from itsmctl.cli import schema as schema_command
from itsmctl.cli import sla as sla_command
from itsmctl.cli import validate as validate_command
from itsmctl.errors import ItsmError
from itsmctl.load.gcpause import gc_paused

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="itsmctl")
@click.option(
    "-C",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    help="Run as if started in this directory (the repository root).",
)
@click.pass_context
def cli(ctx: click.Context, directory: Path) -> None:
    """ITSM as code: validate, risk-score, approve, gate and audit changes kept in git."""
    ctx.obj = directory


for command in (
    validate_command.validate,
    rules_command.rules,
    schema_command.schema,
    graph_command.graph,
    impact_command.impact,
    risk_command.risk,
    schedule_command.schedule,
    plan_command.plan,
    review_command.review,
    gate_command.gate,
    new_command.new,
    audit_command.audit,
    evidence_command.evidence,
    sla_command.sla,
    metrics_command.metrics,
    metrics_command.problems,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    try:
        # One command run builds large acyclic data and exits: see gcpause.
        with gc_paused():
            result = cli.main(args=argv, prog_name="itsmctl", standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.exceptions.Abort:
        click.echo("itsmctl: aborted", err=True)
        return EXIT_USAGE
    except click.ClickException as error:
        error.show()
        return EXIT_USAGE
    except ItsmError as error:
        click.echo(f"itsmctl: error: {error}", err=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        click.echo("itsmctl: interrupted", err=True)
        return 130
    except BrokenPipeError:
        # Output piped into `head`: not an error of ours. Silence the flush at exit.
        sys.stderr.close()
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - the last line of defence against tracebacks
        if os.environ.get("ITSMCTL_DEBUG"):
            raise
        click.echo(
            f"itsmctl: internal error: {type(error).__name__}: {error}\n"
            "This is a bug in itsmctl; rerun with ITSMCTL_DEBUG=1 for details and report it.",
            err=True,
        )
        return EXIT_USAGE
    return result if isinstance(result, int) else EXIT_OK

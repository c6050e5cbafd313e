"""The ``itsmctl`` command: a click group; each verb lives in its own module.

Exit codes, for every command: 0 ok; 1 findings (or a closed gate); 2 usage or
input error; 130 interrupted (Ctrl-C). Errors are printed as one clear line, never as a traceback (set
ITSMCTL_DEBUG=1 to see one for an internal error).
"""

from __future__ import annotations

import importlib
import io
import os
import sys
from pathlib import Path

import click

from itsmctl import __version__
from itsmctl.errors import ItsmError
from itsmctl.load.gcpause import gc_paused
from itsmctl.report.escape import log_lines, terminal

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 128 + 2  # SIGINT, as a shell reports it

# Command name -> "module:attribute". Commands are imported when used, so
# `itsmctl validate` does not pay for git, GitHub or the site templates.
COMMANDS: dict[str, str] = {
    "validate": "itsmctl.cli.validate:validate",
    "rules": "itsmctl.cli.rules:rules",
    "schema": "itsmctl.cli.schema:schema",
    "graph": "itsmctl.cli.graph:graph",
    "impact": "itsmctl.cli.impact:impact",
    "risk": "itsmctl.cli.risk:risk",
    "schedule": "itsmctl.cli.schedule:schedule",
    "plan": "itsmctl.cli.plan:plan",
    "review": "itsmctl.cli.review:review",
    "gate": "itsmctl.cli.gate:gate",
    "new": "itsmctl.cli.new:new",
    "audit": "itsmctl.cli.audit:audit",
    "evidence": "itsmctl.cli.evidence:evidence",
    "sla": "itsmctl.cli.sla:sla",
    "metrics": "itsmctl.cli.metrics:metrics",
    "problems": "itsmctl.cli.metrics:problems",
    "catalog": "itsmctl.cli.catalog:catalog",
    "export": "itsmctl.cli.export:export",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module_name, _, attribute = COMMANDS[cmd_name].partition(":")
            command = getattr(importlib.import_module(module_name), attribute)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


def _interrupted(abort: click.exceptions.Abort) -> bool:
    return isinstance(abort.__cause__ or abort.__context__, KeyboardInterrupt)


def main(argv: list[str] | None = None) -> int:
    try:
        # One command run builds large acyclic data and exits: see gcpause.
        with gc_paused():
            result = cli.main(args=argv, prog_name="itsmctl", standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.exceptions.Abort as abort:
        # Without standalone mode click turns Ctrl-C into Abort (raised from the KeyboardInterrupt;
        # at a prompt, with the interrupt as its context): still an interrupt, exit 130 as a shell
        # reports SIGINT. A declined confirmation or the end of input is an Abort of its own: usage, 2.
        if _interrupted(abort):
            click.echo("itsmctl: interrupted", err=True)
            return EXIT_INTERRUPTED
        click.echo("itsmctl: aborted", err=True)
        return EXIT_USAGE
    except click.ClickException as error:
        # Messages quote what was given (paths, option values): shown so that they cannot command a CI log.
        shown = io.StringIO()
        error.show(file=shown)
        click.echo(log_lines(shown.getvalue().removesuffix("\n")), err=True)
        return EXIT_USAGE
    except ItsmError as error:
        click.echo(f"itsmctl: error: {terminal(str(error))}", err=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        click.echo("itsmctl: interrupted", err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Output piped into `head`: not an error of ours. Silence the flush at exit.
        sys.stderr.close()
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - the last line of defence against tracebacks
        if os.environ.get("ITSMCTL_DEBUG"):
            raise
        click.echo(
            f"itsmctl: internal error: {type(error).__name__}: {terminal(str(error))}\n"
            "This is a bug in itsmctl; rerun with ITSMCTL_DEBUG=1 for details and report it.",
            err=True,
        )
        return EXIT_USAGE
    return result if isinstance(result, int) else EXIT_OK

"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from itsmctl.findings import Severity
from itsmctl.report.destination import write_text_file

F = TypeVar("F", bound=Callable[..., Any])


def format_option(choices: list[str], default: str = "text") -> Callable[[F], F]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


def _output_path(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Path | None:
    # "-" is standard output, as in every CLI (a file named "-" is "./-"). Decided on the text as
    # given: Path("./-") == Path("-"), so the text must not become a Path first.
    return None if value is None or value == "-" else Path(value)


def output_option(function: F) -> F:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, writable=True, allow_dash=True),
        callback=_output_path,
        metavar="FILE",
        help="Write the report to FILE instead of standard output ('-': standard output).",
    )(function)


def fail_on_option(function: F) -> F:
    return click.option(
        "--fail-on",
        type=click.Choice(["error", "warning", "info"]),
        default="error",
        show_default=True,
        help="Lowest severity that makes the command exit 1.",
    )(function)


def allow_invalid_option(function: F) -> F:
    return click.option(
        "--allow-invalid",
        is_flag=True,
        help="Exit 0 even when invalid records had to be left out (the report still lists them).",
    )(function)


def parse_severity(text: str) -> Severity:
    return Severity.parse(text)


def emit(text: str, output: Path | None) -> None:
    """Write a report to stdout or to a file (see report.destination: atomic for a regular file)."""
    if output is None:
        click.echo(text, nl=False)
        return
    # A file is not a terminal: drop colours, as click.echo does on a redirected stdout.
    write_text_file(output, click.unstyle(text))

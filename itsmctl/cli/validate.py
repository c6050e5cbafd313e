"""``itsmctl validate``."""

from __future__ import annotations

from pathlib import Path

import click

from itsmctl.cli.common import repository_root
from itsmctl.cli.options import emit, fail_on_option, format_option, output_option, parse_severity
from itsmctl.findings import exit_code_for
from itsmctl.report import FORMATTERS, Report
from itsmctl.validation import validate_path


@click.command()
@click.argument("path", type=click.Path(path_type=Path), required=False)
@format_option(list(FORMATTERS))
@fail_on_option
@output_option
@click.option("--no-cache", is_flag=True, help="Do not read or write the per-file result cache.")
def validate(path: Path | None, output_format: str, fail_on: str, output: Path | None, no_cache: bool) -> int:
    """Check the repository at PATH (default: .) against schemas, references and policies.

    Exits 0 when nothing at or above --fail-on is found, 1 when something is,
    2 on a usage or input error.
    """
    threshold = parse_severity(fail_on)
    result = validate_path(path or repository_root(), use_cache=not no_cache)
    report = Report(
        command="validate",
        findings=result.findings,
        fail_on=threshold,
        files=result.files,
        records=result.records,
        policy_rules=result.policy_rules,
    )
    emit(FORMATTERS[output_format](report), output)
    return exit_code_for(result.findings, threshold)

"""``itsmctl export backstage``: the catalog for other tools."""

from __future__ import annotations

from pathlib import Path

import click

from itsmctl.cli.common import load_for_report, report_exit
from itsmctl.cli.options import allow_invalid_option
from itsmctl.errors import ItsmError
from itsmctl.report.escape import terminal


@click.group()
def export() -> None:
    """Export the catalog for other tools."""


@export.command("backstage")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@allow_invalid_option
def backstage(out: Path, allow_invalid: bool) -> int:
    """Write Backstage entities (Group, User, System, Component, Resource) to OUT/catalog-info.yaml.

    Every entity follows Backstage's entity rules; what had to change to fit them
    (a label value moved to an annotation, a link left out, a renamed system) is
    printed as a note. Exits 1 when invalid records had to be left out, unless
    --allow-invalid; the file lists them in a comment at the top.
    """
    from itsmctl.publish.backstage import backstage_export, write_backstage

    loaded, omitted = load_for_report()
    export = backstage_export(loaded.catalog)
    try:
        target = write_backstage(export, out, omitted)
    except OSError as error:
        raise ItsmError(f"{out}: cannot write: {error.strerror}") from None
    for note in export.notes:
        click.echo(f"itsmctl: note: {terminal(note)}", err=True)
    click.echo(f"itsmctl: wrote {target}", err=True)
    return report_exit(omitted, allow_invalid)

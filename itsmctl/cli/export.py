"""``itsmctl export backstage``: the catalog for other tools."""

from __future__ import annotations

from pathlib import Path

import click

from itsmctl.cli.common import load_for_command
from itsmctl.errors import ItsmError


@click.group()
def export() -> None:
    """Export the catalog for other tools."""


@export.command("backstage")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
def backstage(out: Path) -> int:
    """Write Backstage entities (Component, Resource, System, Group) to OUT/catalog-info.yaml."""
    from itsmctl.publish.backstage import write_backstage

    loaded = load_for_command()
    try:
        target = write_backstage(loaded.catalog, out)
    except OSError as error:
        raise ItsmError(f"{out}: cannot write: {error.strerror}") from None
    click.echo(f"itsmctl: wrote {target}", err=True)
    return 0

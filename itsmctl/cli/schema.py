"""``itsmctl schema export DIR``: the JSON Schemas, for editors and other tools."""

from __future__ import annotations

import json
from pathlib import Path

import click

from itsmctl.errors import ItsmError
from itsmctl.load.schema import exported_schemas
from itsmctl.report.destination import write_text_file


@click.group()
def schema() -> None:
    """JSON Schemas of the record kinds."""


@schema.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export(directory: Path) -> int:
    """Write one self-contained schema per kind, record.schema.json for any kind, and the knowledge
    articles' front matter schema (knowledgearticle.frontmatter.schema.json)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        documents = exported_schemas()
        for name, document in documents.items():
            write_text_file(directory / name, json.dumps(document, indent=2) + "\n")
    except OSError as error:
        raise ItsmError(f"{directory}: cannot write schemas: {error.strerror}") from None
    click.echo(f"wrote {len(documents)} schemas to {directory}")
    return 0

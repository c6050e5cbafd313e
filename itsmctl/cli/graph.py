"""``itsmctl graph``: the CMDB dependency graph, for diagram tools."""

from __future__ import annotations

from pathlib import Path

import click

from itsmctl.cli.common import check_ref, load_for_report, report_exit
from itsmctl.cli.options import allow_invalid_option, emit, output_option
from itsmctl.graph.cmdb import GRAPH_REFERENCES, build_graph, neighbourhood
from itsmctl.report.graph import GRAPH_FORMATS


@click.command()
@click.option("--format", "output_format", type=click.Choice(list(GRAPH_FORMATS)), default="json", show_default=True)
@click.option("--focus", metavar="REF", help="Only the neighbourhood of this service or CI.")
@click.option(
    "--depth", type=click.IntRange(0, 100), default=2, show_default=True, help="Hops around --focus, both ways."
)
@output_option
@allow_invalid_option
def graph(output_format: str, focus: str | None, depth: int, output: Path | None, allow_invalid: bool) -> int:
    """Print the dependency graph of services and CIs (A -> B: A depends on B)."""
    loaded, omitted = load_for_report(counts=GRAPH_REFERENCES)
    dependency_graph = build_graph(loaded.catalog)
    only = neighbourhood(dependency_graph, check_ref(loaded, focus), depth) if focus else None
    emit(GRAPH_FORMATS[output_format](dependency_graph, only, omitted), output)
    return report_exit(omitted, allow_invalid)

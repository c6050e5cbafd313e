"""``itsmctl impact REF``: the blast radius of a service or CI."""

from __future__ import annotations

import click

from itsmctl.cli.common import check_ref, load_for_report, report_exit
from itsmctl.cli.options import allow_invalid_option
from itsmctl.graph.cmdb import GRAPH_REFERENCES, build_graph
from itsmctl.graph.impact import Touch, blast_radius
from itsmctl.report.risk import render_impact_json, render_impact_text


@click.command()
@click.argument("ref")
@click.option("--replicas", type=click.IntRange(min=1), help="Replicas of a redundant CI taken down at once.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@allow_invalid_option
def impact(ref: str, replicas: int | None, output_format: str, allow_invalid: bool) -> int:
    """Everything that depends on REF (service:NAME or ci:NAME), transitively.

    Each impacted service and CI is listed with its tier, its distance from REF
    and one dependency path. A redundant CI that keeps enough replicas up
    (see --replicas) does not pass the outage upward.
    """
    loaded, omitted = load_for_report(counts=GRAPH_REFERENCES)
    ref = check_ref(loaded, ref)
    graph = build_graph(loaded.catalog)
    radius = blast_radius(graph, [Touch(ref, replicas)])
    render = render_impact_json if output_format == "json" else render_impact_text
    click.echo(render(radius, graph, ref, omitted), nl=False)
    return report_exit(omitted, allow_invalid)

"""``itsmctl catalog build``: the static service catalog site."""

from __future__ import annotations

from pathlib import Path

import click

from itsmctl.cli.common import load_for_report, planning_for, report_exit
from itsmctl.cli.options import allow_invalid_option


@click.group()
def catalog() -> None:
    """The published service catalog."""


@catalog.command("build")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the site (replaced atomically).",
)
@click.option("--base-url", default="", help="Where the site is served, for absolute links in catalog.json.")
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: one per core for large catalogs).")
@click.option("--quiet", is_flag=True, help="No progress output.")
@allow_invalid_option
def build(out: Path, base_url: str, jobs: int | None, quiet: bool, allow_invalid: bool) -> int:
    """Render the catalog: services, teams, CIs, changes, the change calendar, catalog.json, schedule.ics, schemas/.

    Works from file:// and GitHub Pages; every asset ships with the site. Exits 1
    when invalid records had to be left out, unless --allow-invalid; the index
    page and catalog.json list them.
    """
    from itsmctl.publish.build import build_site, check_output
    from itsmctl.publish.site import SITE_REFERENCES, collect

    check_output(out.resolve())  # before any work: never start on someone else's folder
    loaded, omitted = load_for_report(
        keep_bodies=True, counts=SITE_REFERENCES
    )  # catalog.json and change pages read every document
    site = collect(loaded.catalog, planning_for(loaded), omitted=omitted)
    pages = build_site(site, out, base_url, jobs, quiet)
    click.echo(f"itsmctl: wrote {pages:,} pages to {out}", err=True)
    return report_exit(omitted, allow_invalid)

"""``catalog build``: render the site into a temporary folder, then swap it in.

Pages are independent, so large catalogs are rendered by worker processes
(forked after the data is computed, so they share it without copying); the
main process reports progress. Nothing is written into ``--out`` until the
whole site is built: a failed build leaves the previous site as it was.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from itsmctl import __version__
from itsmctl.errors import ItsmError
from itsmctl.load.schema import bundled_schema, combined_schema, schema_file_name
from itsmctl.model.durations import format_duration
from itsmctl.model.kinds import PRIORITIES
from itsmctl.model.refs import KINDS
from itsmctl.publish import pages
from itsmctl.publish.site import SiteData
from itsmctl.report.schedule import render_ics

MARKER = ".itsmctl-site"
_BATCH = 400


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("itsmctl.publish", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = format_duration
    env.globals.update(version=__version__, priorities=PRIORITIES, site_title="Service catalog")
    return env


@dataclass(frozen=True)
class Job:
    kind: str  # "service", "team", "ci", "change", "json"
    names: tuple[str, ...]


# Set in the parent before forking; read by workers (copy-on-write, never pickled).
_SITE: SiteData | None = None
_OUT: Path | None = None
_GENERATED = ""


def _render_job(job: Job) -> int:
    assert _SITE is not None and _OUT is not None
    env = environment()
    env.globals["generated"] = _GENERATED
    renderers: dict[str, Callable[[Environment, SiteData, Path, str], None]] = {
        "service": pages.service_page,
        "team": pages.team_page,
        "ci": pages.ci_page,
        "change": pages.change_page,
    }
    if job.kind == "json":
        pages.catalog_json(_SITE, _OUT, job.names[0])
        return 1
    render = renderers[job.kind]
    for name in job.names:
        render(env, _SITE, _OUT, name)
    return len(job.names)


def _jobs(site: SiteData, base_url: str) -> list[Job]:
    catalog = site.catalog
    jobs = [Job("json", (base_url,))]
    for kind, names in (
        ("change", sorted(catalog.changes)),
        ("ci", sorted(catalog.cis)),
        ("service", sorted(catalog.services)),
        ("team", sorted(catalog.teams)),
    ):
        jobs.extend(Job(kind, tuple(names[i : i + _BATCH])) for i in range(0, len(names), _BATCH))
    return jobs


def _progress(done: int, total: int, quiet: bool) -> None:
    if not quiet and total >= 2000:
        print(f"\ritsmctl: rendered {done:,} of {total:,} pages", end="" if done < total else "\n", file=sys.stderr)


def _run(jobs: list[Job], total: int, workers: int, quiet: bool) -> None:
    done = 0
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for count in pool.imap_unordered(_render_job, jobs):
                done += count
                _progress(done, total, quiet)
        return
    for job in jobs:
        done += _render_job(job)
        _progress(done, total, quiet)


def _copy_static(out: Path) -> None:
    static = out / "static"
    static.mkdir()
    for entry in resources.files("itsmctl.publish").joinpath("static").iterdir():
        if entry.name.endswith((".css", ".js")):
            (static / entry.name).write_bytes(entry.read_bytes())


def _write_common(env: Environment, site: SiteData, out: Path) -> None:
    pages.index_page(env, site, out)
    pages.teams_page(env, site, out)
    pages.calendar_page(env, site, out)
    assert site.schedule is not None
    (out / "schedule.ics").write_text(render_ics(site.schedule, site.risks), encoding="utf-8")
    schemas = out / "schemas"
    schemas.mkdir()
    for kind in KINDS:
        (schemas / schema_file_name(kind)).write_text(json.dumps(bundled_schema(kind), indent=2), encoding="utf-8")
    (schemas / "record.schema.json").write_text(json.dumps(combined_schema(), indent=2), encoding="utf-8")
    _copy_static(out)
    (out / MARKER).write_text(f"built by itsmctl {__version__}\n", encoding="utf-8")
    # GitHub Pages serves files as they are (no Jekyll processing of _folders).
    (out / ".nojekyll").write_text("", encoding="utf-8")


def check_output(out: Path) -> None:
    """Refuse to replace a folder that is not a site we built: never delete a user's files."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        raise ItsmError(f"{out} exists and is not an itsmctl site; give an empty or new folder")


def build_site(site: SiteData, out: Path, base_url: str = "", workers: int | None = None, quiet: bool = False) -> int:
    """Build into a temporary sibling of ``out``, then swap. Returns the number of pages."""
    global _SITE, _OUT, _GENERATED
    out = out.resolve()
    check_output(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    try:
        for folder in ("services", "teams", "cis", "changes"):
            (staging / folder).mkdir()
        generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        env = environment()
        env.globals["generated"] = generated
        _write_common(env, site, staging)
        _SITE, _OUT, _GENERATED = site, staging, generated
        jobs = _jobs(site, base_url)
        total = sum(len(job.names) for job in jobs if job.kind != "json")
        count = workers if workers is not None else ((os.cpu_count() or 1) if total >= 2000 else 1)
        _run(jobs, total, count, quiet)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        _SITE = _OUT = None
    return total + 3


def _swap(staging: Path, out: Path) -> None:
    if out.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        retired.rmdir()
        out.rename(retired)
        staging.rename(out)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        staging.rename(out)


def iter_pages(out: Path) -> Iterator[Path]:
    yield from sorted(out.rglob("*.html"))

"""``catalog build``: render the site into a temporary folder, then swap it in.

Pages are independent, so large catalogs are rendered by worker processes
(forked after the data is computed, so they share it without copying); the
main process reports progress. Nothing is written into ``--out`` until the
whole site is built: a failed build leaves the previous site as it was.
A killed build leaves its folder behind; the next build removes it (``staging``).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from itsmctl import __version__
from itsmctl.errors import ItsmError
from itsmctl.load.schema import exported_schemas
from itsmctl.model.durations import format_duration
from itsmctl.model.kinds import PRIORITIES
from itsmctl.publish import pages, staging
from itsmctl.publish.filters import FILTERS
from itsmctl.publish.site import SiteData
from itsmctl.report.escape import visible_value
from itsmctl.report.schedule import render_ics
from itsmctl.workers import quiet_worker, terminate_as_exit

MARKER = ".itsmctl-site"
_BATCH = 250
_JSON_PART = 4000  # records per catalog.json part
_PARTS = ".catalog-json-parts"


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("itsmctl.publish", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        # Titles and descriptions with bidi overrides or invisible characters show them as escapes.
        finalize=visible_value,
    )
    env.filters["duration"] = format_duration
    env.filters.update(FILTERS)
    env.globals.update(version=__version__, priorities=PRIORITIES, site_title="Service catalog")
    return env


@dataclass(frozen=True)
class Job:
    kind: str  # "service", "team", "ci", "change", "common", "json-part"
    names: tuple[str, ...] = ()
    records: range = range(0)  # for "json-part": which of the catalog's records


# Set in the parent before forking; read by workers (copy-on-write, never pickled).
_SITE: SiteData | None = None
_OUT: Path | None = None
_GENERATED = ""
_ENV: Environment | None = None  # one per process: compiling the templates per batch costs ~20 ms

PAGE_KINDS = ("service", "team", "ci", "change")
COMMON_PARTS = ("index", "teams", "calendar", "ics", "schemas")


def _page_renderer(kind: str) -> Callable[[Environment, SiteData, Path, str], None]:
    # Looked up at call time (not captured at import) so one place decides what a kind renders.
    renderers: dict[str, Callable[[Environment, SiteData, Path, str], None]] = {
        "service": pages.service_page,
        "team": pages.team_page,
        "ci": pages.ci_page,
        "change": pages.change_page,
    }
    return renderers[kind]


def _write_common_part(part: str, env: Environment, site: SiteData, out: Path) -> None:
    if part == "index":
        pages.index_page(env, site, out)
    elif part == "teams":
        pages.teams_page(env, site, out)
    elif part == "calendar":
        pages.calendar_page(env, site, out)
    elif part == "ics":
        _write_ics(site, out)
    else:
        _write_schemas(out)


def _environment() -> Environment:
    global _ENV
    if _ENV is None:
        _ENV = environment()
        _ENV.globals["generated"] = _GENERATED
    return _ENV


def _render_job(job: Job) -> int:
    assert _SITE is not None and _OUT is not None
    env = _environment()
    if job.kind == "json-part":
        span = job.records
        pages.catalog_json_part(_SITE, _OUT / _PARTS / f"{span.start:012d}", span.start, span.stop)
        return 0
    if job.kind == "common":
        for part in job.names:
            _write_common_part(part, env, _SITE, _OUT)
        return 0
    render = _page_renderer(job.kind)
    for name in job.names:
        render(env, _SITE, _OUT, name)
    return len(job.names)


def _by_file(names: dict[str, Any]) -> list[str]:
    # Records of one file in one batch: a page that needs a body parses the file once per worker.
    return sorted(names, key=lambda name: (names[name].record.path, name))


def _jobs(site: SiteData) -> list[Job]:
    """Largest work first (catalog.json parts, services), so no worker idles at the end."""
    catalog = site.catalog
    count = len(catalog.records)
    jobs = [
        Job("json-part", records=range(start, min(start + _JSON_PART, count))) for start in range(0, count, _JSON_PART)
    ]
    jobs.append(Job("common", COMMON_PARTS))
    for kind, names in (
        ("service", _by_file(catalog.services)),
        ("change", _by_file(catalog.changes)),
        ("ci", _by_file(catalog.cis)),
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
        with multiprocessing.get_context("fork").Pool(
            workers, initializer=quiet_worker, initargs=(os.getpid(),)
        ) as pool:
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


def _write_ics(site: SiteData, out: Path) -> None:
    assert site.schedule is not None
    (out / "schedule.ics").write_text(render_ics(site.schedule, site.risks, site.omitted), encoding="utf-8")


def _write_schemas(out: Path) -> None:
    schemas = out / "schemas"
    for name, document in exported_schemas().items():
        (schemas / name).write_text(json.dumps(document, indent=2), encoding="utf-8")


def _finish(site: SiteData, out: Path, base_url: str) -> None:
    parts = out / _PARTS
    pages.assemble_catalog_json(site, out / "catalog.json", sorted(parts.iterdir()), base_url)
    shutil.rmtree(parts)
    _copy_static(out)
    (out / MARKER).write_text(f"built by itsmctl {__version__}\n", encoding="utf-8")
    # GitHub Pages serves files as they are (no Jekyll processing of _folders).
    (out / ".nojekyll").write_text("", encoding="utf-8")


def check_output(out: Path) -> None:
    """Refuse to replace a folder that is not a site we built: never delete a user's files."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        raise ItsmError(f"{out} exists and is not an itsmctl site; give an empty or new folder")


def build_site(site: SiteData, out: Path, base_url: str = "", workers: int | None = None, quiet: bool = False) -> int:
    """Build into a folder next to ``out``, then swap (see ``staging``). Returns the number of pages."""
    global _SITE, _OUT, _GENERATED, _ENV
    out = out.resolve()
    check_output(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # SIGTERM (a CI job cancelled) cleans up like Ctrl-C; kill -9 leaves a leftover the next build removes.
    with terminate_as_exit():
        staging.remove_leftovers(out)
        stage = staging.create(out)
        try:
            for folder in ("services", "teams", "cis", "changes", "schemas", _PARTS):
                (stage.folder / folder).mkdir()
            _SITE, _OUT, _ENV = site, stage.folder, None
            _GENERATED = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
            jobs = _jobs(site)
            total = sum(len(job.names) for job in jobs if job.kind in PAGE_KINDS)
            count = workers if workers is not None else ((os.cpu_count() or 1) if total >= 2000 else 1)
            _run(jobs, total, count, quiet)
            _finish(site, stage.folder, base_url)
            check_output(out)  # again: what appeared there during the build is not ours to replace
            staging.swap(stage, out)
        finally:
            _SITE = _OUT = _ENV = None
            stage.release()  # the failed build, or the previous site after the swap
    return total + 3  # with the index, teams and calendar pages


def iter_pages(out: Path) -> Iterator[Path]:
    yield from sorted(out.rglob("*.html"))

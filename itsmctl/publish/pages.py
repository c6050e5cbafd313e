"""One function per page kind: gather what the template shows, render, write."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment

from itsmctl import __version__
from itsmctl.model.kinds import SLA, Team
from itsmctl.publish.site import (
    SiteData,
    approvals_for,
    calendar_view,
    changes_for,
    sla_history,
    sla_periods,
    team_of,
    windows_of,
)
from itsmctl.publish.svg import dependency_svg
from itsmctl.report.escape import ci_safe_json
from itsmctl.report.graph import to_json as graph_json

_TOP, _NESTED = "", "../"


def _write(path: Path, text: str) -> None:
    # os-level write: no text-layer object per page (27,000 of them in a large catalog).
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        data = memoryview(text.encode("utf-8"))
        while data:
            data = data[os.write(descriptor, data) :]
    finally:
        os.close(descriptor)


def index_page(env: Environment, site: SiteData, out: Path) -> None:
    catalog = site.catalog
    services = sorted(catalog.services.values(), key=lambda s: (s.tier, s.record.title.lower()))
    labels = sorted({f"{k}={v}" for s in services for k, v in s.record.labels.items()})
    html = env.get_template("index.html.j2").render(
        root=_TOP,
        services=services,
        teams=sorted(catalog.teams.values(), key=lambda t: t.name),
        lifecycles=sorted({s.lifecycle for s in services}),
        labels=labels,
        cis_count=len(catalog.cis),
        open_changes=sum(1 for c in catalog.changes.values() if c.is_open),
        omitted=site.omitted,
    )
    _write(out / "index.html", html)


def teams_page(env: Environment, site: SiteData, out: Path) -> None:
    html = env.get_template("teams.html.j2").render(
        root=_TOP,
        teams=sorted(site.catalog.teams.values(), key=lambda t: t.name),
        services_by_team=site.services_by_team,
    )
    _write(out / "teams.html", html)


def calendar_page(env: Environment, site: SiteData, out: Path) -> None:
    view = calendar_view(site)
    html = env.get_template("calendar.html.j2").render(
        root=_TOP, weeks=view.weeks, until=view.until, continuing=view.continuing
    )
    _write(out / "calendar.html", html)


def _month_names(site: SiteData, count: int) -> list[str]:
    names = [start.strftime("%B %Y") for start, _ in sla_periods(site.now, count)]
    return [f"{names[0]} so far", *names[1:]] if names else names


def service_page(env: Environment, site: SiteData, out: Path, name: str) -> None:
    service = site.catalog.services[name]
    ref = f"service:{name}"
    graph = site.graph
    near = {*graph.depends_on.get(ref, ())}
    for dependency in list(near):
        near.update(graph.depends_on.get(dependency, ()))
    cis = sorted(r for r in near if r.startswith("ci:"))
    upcoming, recent = changes_for(site, [ref, *cis])
    sla = site.catalog.typed(service.sla) if service.sla else None
    history = sla_history(site, service)
    html = env.get_template("service.html.j2").render(
        root=_NESTED,
        s=service,
        team=team_of(site, service.owner),
        sla=sla if isinstance(sla, SLA) else None,
        compliance=history,
        period_names=_month_names(site, len(history)),
        windows=windows_of(service, site.now),
        svg=dependency_svg(graph, ref),
        depends_on=sorted(graph.depends_on.get(ref, ())),
        dependents=sorted(graph.dependents.get(ref, ())),
        upcoming=upcoming,
        recent=recent,
        risks=site.risks,
        cis=cis,
        problems=[p for p in site.problems_by_service.get(ref, []) if p.status != "resolved"],
        articles=site.articles_by_service.get(ref, []),
        requests=site.requests_by_service.get(ref, []),
        today=site.now.date(),
    )
    _write(out / "services" / f"{name}.html", html)


def ci_page(env: Environment, site: SiteData, out: Path, name: str) -> None:
    item = site.catalog.cis[name]
    ref = f"ci:{name}"
    upcoming, recent = changes_for(site, [ref])
    html = env.get_template("ci.html.j2").render(
        root=_NESTED,
        c=item,
        depends_on=sorted(site.graph.depends_on.get(ref, ())),
        dependents=sorted(site.graph.dependents.get(ref, ())),
        changes=[*upcoming, *recent],
        risks=site.risks,
    )
    _write(out / "cis" / f"{name}.html", html)


def team_page(env: Environment, site: SiteData, out: Path, name: str) -> None:
    team = site.catalog.teams[name]
    assert isinstance(team, Team)
    html = env.get_template("team.html.j2").render(
        root=_NESTED,
        t=team,
        services=sorted(site.services_by_team.get(f"team:{name}", []), key=lambda s: s.name),
        cis=sorted(site.cis_by_team.get(f"team:{name}", [])),
    )
    _write(out / "teams" / f"{name}.html", html)


def change_page(env: Environment, site: SiteData, out: Path, name: str) -> None:
    change = site.catalog.changes[name]
    html = env.get_template("change.html.j2").render(
        root=_NESTED, c=change, risk=site.risks[name], approvals=approvals_for(site, change)
    )
    _write(out / "changes" / f"{name}.html", html)


def catalog_json_part(site: SiteData, path: Path, start: int, stop: int) -> None:
    """Records ``start:stop`` as comma-separated JSON objects: one slice of catalog.json's ``records``."""
    records = site.catalog.records[start:stop]
    items = [{"kind": r.kind, "name": r.name, "path": r.path, "record": r.body} for r in records if r.schema_valid]
    # dumps() runs the C encoder; dump() to a file walks the tree in Python (4x slower). ci_safe_json: a
    # file name that is not UTF-8 (a lone surrogate) becomes an escape that reads back, not a crash.
    _write(path, ci_safe_json(json.dumps(items, ensure_ascii=False, default=str)[1:-1]))


def assemble_catalog_json(site: SiteData, path: Path, parts: list[Path], base_url: str) -> None:
    """Every record as loaded, the computed graph, and each change's risk: documented in README."""
    head = {
        "version": 1,
        "generator": f"itsmctl {__version__}",
        "generated": datetime.now(UTC).isoformat(),
        "baseUrl": base_url or None,
        "omitted": [entry.to_dict() for entry in site.omitted],
    }
    tail = {
        "graph": json.loads(graph_json(site.graph)),
        "risk": {
            name: {"score": risk.score, "level": risk.level, "cell": f"I{risk.impact_class}xL{risk.likelihood_class}"}
            for name, risk in sorted(site.risks.items())
        },
    }
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(ci_safe_json(json.dumps(head, ensure_ascii=False))[:-1] + ', "records": [')
        handle.write(",".join(text for text in (part.read_text(encoding="utf-8") for part in parts) if text))
        handle.write("], " + ci_safe_json(json.dumps(tail, ensure_ascii=False))[1:])

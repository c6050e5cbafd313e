"""Rendering risk assessments and blast radii: JSON shapes (documented in README) and text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import click

from itsmctl.graph.cmdb import DependencyGraph
from itsmctl.graph.impact import BlastRadius
from itsmctl.load.omitted import Omission
from itsmctl.report import omitted as omitted_note
from itsmctl.report.escape import terminal, to_json
from itsmctl.risk.score import IMPACT_LABELS, LIKELIHOOD_LABELS, Factor, RiskAssessment

_LEVEL_COLOURS = {"low": "green", "medium": "yellow", "high": "red", "critical": "magenta"}


def radius_to_dict(radius: BlastRadius, graph: DependencyGraph) -> dict[str, Any]:
    def entry(ref: str) -> dict[str, Any]:
        node = graph.nodes[ref]
        item: dict[str, Any] = {"ref": ref, "title": node.title, "depth": radius.depth[ref], "path": radius.path(ref)}
        if node.kind == "service":
            item["tier"] = node.tier
        else:
            item["type"] = node.ci_type
        return item

    refs = radius.refs()
    return {
        "services": [entry(ref) for ref in refs if graph.nodes[ref].kind == "service"],
        "cis": [entry(ref) for ref in refs if graph.nodes[ref].kind == "ci"],
        "absorbed": [
            {
                "ref": a.ref,
                "replicasDown": a.replicas_down,
                "replicas": a.replicas,
                "minAvailable": a.min_available,
                "reason": a.reason,
            }
            for a in radius.absorbed
        ],
        "assumedFullOutage": radius.assumed_full,
        "unknown": radius.unknown,
    }


def _factor(factor: Factor) -> dict[str, Any]:
    return {"id": factor.id, "points": factor.points, "reason": factor.reason}


def assessment_to_dict(assessment: RiskAssessment, graph: DependencyGraph) -> dict[str, Any]:
    change = assessment.change
    window = change.window
    return {
        "change": change.name,
        "title": change.title,
        "type": change.type,
        "status": change.status,
        "path": change.record.path,
        "window": {"start": window.start.isoformat(), "end": window.end.isoformat()} if window else None,
        "score": assessment.score,
        "level": assessment.level,
        "matrix": {
            "impact": assessment.impact_class,
            "likelihood": assessment.likelihood_class,
            "cell": f"I{assessment.impact_class}xL{assessment.likelihood_class}",
        },
        "impact": {
            "score": round(assessment.impact_score, 2),
            "class": assessment.impact_class,
            "label": IMPACT_LABELS[assessment.impact_class - 1],
            "factors": [_factor(f) for f in assessment.impact],
        },
        "likelihood": {
            "score": round(assessment.likelihood_score, 2),
            "class": assessment.likelihood_class,
            "label": LIKELIHOOD_LABELS[assessment.likelihood_class - 1],
            "factors": [_factor(f) for f in assessment.likelihood],
        },
        "factors": [_factor(f) for f in assessment.factors],
        "blastRadius": radius_to_dict(assessment.radius, graph),
        "conflicts": [{"change": c.other, "via": c.via, "reason": c.reason} for c in assessment.conflicts],
        "freezes": [
            {"freeze": h.freeze.name, "allowed": h.allowed, "matched": h.matched} for h in assessment.freeze_hits
        ],
        "outsideMaintenance": assessment.outside_maintenance,
        "history": [
            {"change": h.change, "outcome": h.outcome, "ended": h.ended.isoformat(), "source": h.source}
            for h in assessment.history
        ],
    }


def render_json(
    assessments: list[RiskAssessment], graph: DependencyGraph, single: bool, omitted: Sequence[Omission] = ()
) -> str:
    documents = [assessment_to_dict(a, graph) for a in assessments]
    payload: Any = documents[0] if single else {"version": 1, "changes": documents}
    payload["omitted"] = omitted_note.to_json(omitted)
    return to_json(payload)


def _points(points: float) -> str:
    return f"{points:+.2f}".replace("+0.00", " 0.00")


def render_text(assessment: RiskAssessment, graph: DependencyGraph, omitted: Sequence[Omission] = ()) -> str:
    a = assessment
    change = a.change
    level = click.style(a.level.upper(), fg=_LEVEL_COLOURS[a.level], bold=True)
    lines = [
        f"{click.style(terminal(change.name), bold=True)}  {terminal(change.title)}",
        f"  risk {level}  score {a.score}/100 = impact {a.impact_score:.2f} x likelihood {a.likelihood_score:.2f}"
        f"   matrix I{a.impact_class}xL{a.likelihood_class} "
        f"({IMPACT_LABELS[a.impact_class - 1]} impact, {LIKELIHOOD_LABELS[a.likelihood_class - 1]})",
        "  impact",
    ]
    lines += [f"    {_points(f.points)}  {f.id:<26} {terminal(f.reason)}" for f in a.impact]
    lines.append("  likelihood")
    lines += [f"    {_points(f.points)}  {f.id:<26} {terminal(f.reason)}" for f in a.likelihood]
    services = a.radius.nodes(graph, "service")
    cis = a.radius.nodes(graph, "ci")
    lines.append(f"  blast radius: {len(services)} service(s), {len(cis)} CI(s)")
    for node in services[:15]:
        path = " -> ".join(a.radius.path(node.ref))
        lines.append(f"    tier {node.tier}  {terminal(node.ref):<32} {terminal(path)}")
    if len(services) > 15:
        lines.append(f"    ... and {len(services) - 15} more services (see --format json)")
    for conflict in a.conflicts:
        lines.append(f"  conflict: {terminal(conflict.other)}: {terminal(conflict.reason)}")
    return "\n".join([*omitted_note.text_lines(omitted), *lines]) + "\n"


def render_summary_table(assessments: list[RiskAssessment], omitted: Sequence[Omission] = ()) -> str:
    lines = [
        *omitted_note.text_lines(omitted),
        f"{'change':<24} {'level':<9} {'score':>5}  {'cell':<6} {'status':<12} title",
    ]
    for a in assessments:
        level = click.style(f"{a.level:<9}", fg=_LEVEL_COLOURS[a.level])
        cell = f"I{a.impact_class}xL{a.likelihood_class}"
        lines.append(
            f"{terminal(a.change.name):<24} {level} {a.score:>5}  {cell:<6} {terminal(a.change.status):<12} "
            f"{terminal(a.change.title)}"
        )
    counts = {level: sum(1 for a in assessments if a.level == level) for level in ("low", "medium", "high", "critical")}
    lines.append(f"\n{len(assessments)} change(s): " + ", ".join(f"{n} {level}" for level, n in counts.items()))
    return "\n".join(lines) + "\n"


def render_weights_json(
    values: Mapping[str, float], sources: Mapping[str, str], omitted: Sequence[Omission] = ()
) -> str:
    payload = {"weights": dict(values), "overridden": dict(sources), "omitted": omitted_note.to_json(omitted)}
    return to_json(payload)


def render_weights_text(
    values: Mapping[str, float],
    sources: Mapping[str, str],
    defaults: Mapping[str, float],
    omitted: Sequence[Omission] = (),
) -> str:
    lines = omitted_note.text_lines(omitted)
    for key, value in values.items():
        source = sources.get(key)
        note = f"  (policy {source}; default {defaults[key]:g})" if source else ""
        lines.append(terminal(f"{key:<30} {value:g}{note}"))
    return "\n".join(lines) + "\n"


def render_impact_text(radius: BlastRadius, graph: DependencyGraph, ref: str, omitted: Sequence[Omission] = ()) -> str:
    services = radius.nodes(graph, "service")
    cis = radius.nodes(graph, "ci")
    lines = [
        *omitted_note.text_lines(omitted),
        f"{click.style('impact of ' + terminal(ref), bold=True)}: {len(services)} service(s), {len(cis)} CI(s)",
    ]
    for absorbed in radius.absorbed:
        lines.append(f"  redundancy: {terminal(absorbed.reason)}")
    for missing in radius.assumed_full:
        lines.append(f"  redundancy: {terminal(missing)} is redundant; no --replicas given, so assuming a full outage")
    for node in sorted([*services, *cis], key=lambda n: (radius.depth[n.ref], n.ref)):
        depth = radius.depth[node.ref]
        label = f"tier {node.tier}" if node.kind == "service" else (node.ci_type or "ci")
        path = " -> ".join(radius.path(node.ref))
        lines.append(f"  {depth:>3}  {terminal(label):<12} {terminal(node.ref):<36} {terminal(path)}")
    return "\n".join(lines) + "\n"


def render_impact_json(radius: BlastRadius, graph: DependencyGraph, ref: str, omitted: Sequence[Omission] = ()) -> str:
    payload = {"version": 1, "ref": ref, **radius_to_dict(radius, graph), "omitted": omitted_note.to_json(omitted)}
    return to_json(payload)

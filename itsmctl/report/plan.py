"""Rendering a plan: text for people, JSON for tools, Markdown for the pull request."""

from __future__ import annotations

import json
from typing import Any

import click

from itsmctl.findings import count_by_severity
from itsmctl.flow.approvals import NeedResult
from itsmctl.flow.plan import ChangePlan, Plan
from itsmctl.report.escape import markdown as md
from itsmctl.report.escape import markdown_code as code
from itsmctl.report.escape import terminal, to_json
from itsmctl.report.json_format import finding_to_dict
from itsmctl.report.risk import assessment_to_dict

COMMENT_MARKER = "<!-- itsmctl:plan -->"
_LEVEL_BADGE = {"low": "🟢 low", "medium": "🟡 medium", "high": "🟠 high", "critical": "🔴 critical"}


def _needs_dict(item: ChangePlan, results: list[NeedResult] | None) -> dict[str, Any]:
    required = [{"requirement": n.requirement, "team": n.team, "count": n.count, "label": n.label} for n in item.needs]
    payload: dict[str, Any] = {"preApprovedBy": item.template, "required": required}
    if results is not None:
        payload["received"] = [
            {
                "team": r.need.team,
                "count": r.need.count,
                "approvers": r.approvers,
                "missing": r.missing,
                "rejected": [{"identity": who, "reason": why} for who, why in r.rejected],
            }
            for r in results
        ]
        payload["satisfied"] = all(r.satisfied for r in results)
    return payload


def render_json(plan: Plan, approvals: dict[str, list[NeedResult]] | None = None) -> str:
    graph = None
    changes = []
    for item in plan.changes:
        risk = item.risk
        if graph is None:
            from itsmctl.graph.cmdb import build_graph

            graph = build_graph(plan.head_catalog)
        before, after = item.transition
        changes.append(
            {
                "change": item.change.name,
                "path": item.change.record.path,
                "transition": {"from": before, "to": after},
                "risk": assessment_to_dict(risk, graph),
                "approvals": _needs_dict(item, approvals.get(item.change.name) if approvals is not None else None),
            }
        )
    document = {
        "version": 1,
        "base": plan.base,
        "head": plan.head,
        "mergeBase": plan.merge_base,
        "records": [
            {
                "kind": r.kind,
                "name": r.name,
                "action": r.action,
                "path": r.path,
                "previousPath": r.previous_path,
                "fields": [{"path": f.path, "before": f.shown(f.before), "after": f.shown(f.after)} for f in r.fields],
            }
            for r in plan.records
        ],
        "changes": changes,
        "findings": [finding_to_dict(f, details=False) for f in plan.findings],
        "summary": {**count_by_severity(plan.findings), "records": len(plan.records), "changes": len(plan.changes)},
    }
    return to_json(document, default=str)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else value
    text = text.replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


def render_text(plan: Plan) -> str:
    lines = [f"plan {plan.merge_base[:12]}..{plan.head[:12]} (base {plan.base[:12]})", ""]
    for record in plan.records:
        # Kinds, names, field paths (YAML keys) and file names are text from the pull request too.
        lines.append(f"  {record.action:<9} {terminal(record.kind)} {terminal(record.name)}  ({terminal(record.path)})")
        for change in record.fields[:20]:
            lines.append(
                f"      {terminal(change.path)}: {terminal(_short(change.shown(change.before)))} -> {terminal(_short(change.shown(change.after)))}"
            )
        if len(record.fields) > 20:
            lines.append(f"      ... {len(record.fields) - 20} more field changes")
    if not plan.records:
        lines.append("  no record changes")
    for item in plan.changes:
        before, after = item.transition
        risk = item.risk
        lines.append("")
        lines.append(
            f"{click.style(terminal(item.change.name), bold=True)}: {terminal(before or 'new')} -> {terminal(after)}, "
            f"risk {risk.level} ({risk.score})"
        )
        if item.template:
            lines.append(f"  pre-approved by {terminal(item.template)}")
        for need in item.needs:
            # Requirement ids and team names come from the policy and team files of the pull request.
            lines.append(f"  needs {terminal(need.label)}  [{terminal(need.requirement)}]")
    if plan.findings:
        lines.append("")
        for f in plan.findings:
            lines.append(f"  {terminal(str(f.location))}  {f.severity}  {terminal(f.message)}  [{terminal(f.rule)}]")
    counts = count_by_severity(plan.findings)
    lines.append(f"\n{counts['error']} error(s), {counts['warning']} warning(s)")
    return "\n".join(lines) + "\n"


def _approval_cell(item: ChangePlan, results: list[NeedResult] | None) -> str:
    if item.template:
        return f"pre-approved ({md(item.template)})"
    if not item.needs:
        return "none required"
    if results is None:
        return "<br>".join(md(n.label) for n in item.needs)
    return "<br>".join(
        f"{'✅' if r.satisfied else '❌'} {len(r.approvers)}/{r.need.count} {md(r.need.team)}" for r in results
    )


def _change_section(item: ChangePlan, results: list[NeedResult] | None, graph: Any) -> list[str]:
    risk = item.risk
    change = item.change
    lines = [
        f"### {code(change.name)} {md(change.title)}",
        "",
        f"**Risk: {_LEVEL_BADGE[risk.level]}**, score {risk.score}/100 = impact {risk.impact_score:.2f} × "
        f"likelihood {risk.likelihood_score:.2f} (matrix cell I{risk.impact_class}×L{risk.likelihood_class})",
        "",
        "<details><summary>Risk factors</summary>",
        "",
        "| factor | points | reason |",
        "|---|---:|---|",
    ]
    lines += [f"| {code(f.id)} | {f.points:+.2f} | {md(f.reason)} |" for f in risk.factors]
    lines += ["", "</details>", ""]
    services = risk.radius.nodes(graph, "service")
    cis = risk.radius.nodes(graph, "ci")
    shown = ", ".join(f"{code(s.ref)} (tier {s.tier})" for s in services[:10])
    more = f" and {len(services) - 10} more" if len(services) > 10 else ""
    lines.append(f"**Blast radius:** {len(services)} service(s), {len(cis)} CI(s). {shown}{more}")
    for absorbed in risk.radius.absorbed:
        lines.append(f"- redundancy: {md(absorbed.reason)}")
    if risk.conflicts:
        lines.append("")
        lines.append("**Conflicts:**")
        lines += [f"- {code(c.other)}: {md(c.reason)}" for c in risk.conflicts]
    for hit in risk.freeze_hits:
        lines.append(f"- freeze: {md(hit.reason)}")
    lines.append("")
    if item.template:
        lines.append(f"**Approvals:** pre-approved by standard change {code(item.template)}.")
    elif not item.needs:
        lines.append("**Approvals:** no policy requires any.")
    else:
        lines += ["**Approvals:**", "", "| required | approved by | missing |", "|---|---|---|"]
        if results is None:
            lines += [f"| {md(n.label)} | (not checked) | |" for n in item.needs]
        else:
            for r in results:
                approvers = ", ".join(code(a) for a in r.approvers) or "nobody yet"
                missing = f"{r.missing}" if r.missing else "✅"
                lines.append(f"| {md(r.need.label)} | {approvers} | {missing} |")
            rejected = [(who, why) for r in results for who, why in r.rejected]
            for who, why in dict.fromkeys(rejected):
                lines.append(f"- not counted: {code(who)}: {md(why)}")
    lines.append("")
    return lines


def render_markdown(plan: Plan, approvals: dict[str, list[NeedResult]] | None = None) -> str:
    from itsmctl.graph.cmdb import build_graph

    graph = build_graph(plan.head_catalog)
    counts = count_by_severity(plan.findings)
    lines = [COMMENT_MARKER, "## itsmctl change plan", ""]
    lines.append(
        f"Head {code(plan.head[:12])}, base {code(plan.base[:12])}. {counts['error']} error(s), {counts['warning']} warning(s)."
    )
    lines.append("")
    if plan.changes:
        lines += ["| change | transition | risk | approvals |", "|---|---|---|---|"]
        for item in plan.changes:
            before, after = item.transition
            results = approvals.get(item.change.name) if approvals is not None else None
            lines.append(
                f"| {code(item.change.name)} {md(item.change.title)} | {md(before or 'new')} → {md(after)} | "
                f"{_LEVEL_BADGE[item.risk.level]} ({item.risk.score}) | {_approval_cell(item, results)} |"
            )
        lines.append("")
        for item in plan.changes:
            results = approvals.get(item.change.name) if approvals is not None else None
            lines += _change_section(item, results, graph)
    if plan.findings:
        lines += [f"### Findings ({len(plan.findings)})", ""]
        for f in plan.findings[:50]:
            lines.append(f"- {code(str(f.location))} **{f.severity}** {md(f.message)} ({code(f.rule)})")
        if len(plan.findings) > 50:
            lines.append(f"- … and {len(plan.findings) - 50} more (see the workflow log)")
        lines.append("")
    if plan.records:
        lines += ["<details><summary>Records changed</summary>", ""]
        for record in plan.records:
            lines.append(f"- {record.action} {md(record.kind)} {code(record.name)} in {code(record.path)}")
            for change in record.fields[:10]:
                lines.append(
                    f"  - {code(change.path)}: {code(_short(change.shown(change.before)))} → {code(_short(change.shown(change.after)))}"
                )
        lines += ["", "</details>", ""]
    return "\n".join(lines) + "\n"

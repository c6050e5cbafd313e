"""Rendering a plan: text for people, JSON for tools, Markdown for the pull request."""

from __future__ import annotations

import json
from typing import Any

import click

from itsmctl.findings import count_by_severity
from itsmctl.flow.approvals import ApprovalNeed, NeedResult
from itsmctl.flow.plan import ChangePlan, Plan
from itsmctl.report.escape import markdown as md
from itsmctl.report.escape import markdown_code as code
from itsmctl.report.escape import terminal, to_json
from itsmctl.report.json_format import finding_to_dict
from itsmctl.report.risk import assessment_to_dict

COMMENT_MARKER = "<!-- itsmctl:plan -->"
# GitHub refuses an issue comment over 65,536 characters: a long plan is cut to fit (``fit_comment``).
COMMENT_LIMIT = 65_536
_LEVEL_BADGE = {"low": "🟢 low", "medium": "🟡 medium", "high": "🟠 high", "critical": "🔴 critical"}


def _need_dict(need: ApprovalNeed) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "requirement": need.requirement,
        "team": need.team,
        "count": need.count,
        "label": need.label,
        "reason": need.reason,
    }
    if need.records:
        shown["records"] = list(need.records)
    return shown


def _requirements_dict(needs: list[ApprovalNeed], results: list[NeedResult] | None) -> dict[str, Any]:
    payload: dict[str, Any] = {"required": [_need_dict(n) for n in needs]}
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


def _needs_dict(item: ChangePlan, results: list[NeedResult] | None) -> dict[str, Any]:
    return {"preApprovedBy": item.template, **_requirements_dict(item.needs, results)}


def _risk_by_catalog(item: ChangePlan) -> dict[str, Any]:
    return {r.catalog: {"level": r.assessment.level, "score": r.assessment.score} for r in item.risks}


def _risk_headline(item: ChangePlan) -> str:
    """``medium (30)``, and where it comes from when the catalogs disagree."""
    shown = item.stricter_risk
    headline = f"{shown.assessment.level} ({shown.assessment.score})"
    others = [
        r
        for r in item.risks
        if (r.assessment.level, r.assessment.score) != (shown.assessment.level, shown.assessment.score)
    ]
    if others:
        other = "; ".join(f"{r.basis.source}: {r.assessment.level} ({r.assessment.score})" for r in others)
        headline += f" from {shown.basis.source} ({other})"
    return headline


def render_json(
    plan: Plan,
    approvals: dict[str, list[NeedResult]] | None = None,
    record_results: list[NeedResult] | None = None,
) -> str:
    changes = []
    for item in plan.changes:
        before, after = item.transition
        changes.append(
            {
                "change": item.change.name,
                "path": item.change.record.path,
                "transition": {"from": before, "to": after},
                "risk": assessment_to_dict(item.risk, item.risk_graph),
                "riskFrom": item.stricter_risk.catalog,
                "riskByCatalog": _risk_by_catalog(item),
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
        "recordOwners": _requirements_dict(plan.record_needs, record_results),
        "findings": [finding_to_dict(f, details=False) for f in plan.findings],
        "summary": {**count_by_severity(plan.findings), "records": len(plan.records), "changes": len(plan.changes)},
    }
    return to_json(document, default=str)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else value
    text = text.replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


def _need_line(need: ApprovalNeed) -> str:
    # Record names in labels come from the pull request.
    why = f"  ({terminal(need.reason)})" if need.reason else ""
    return f"  needs {terminal(need.label)}  [{terminal(need.requirement)}]{why}"


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
        lines.append("")
        lines.append(
            f"{click.style(terminal(item.change.name), bold=True)}: {terminal(before or 'new')} -> {terminal(after)}, "
            f"risk {_risk_headline(item)}"
        )
        if item.template:
            lines.append(f"  pre-approved by {terminal(item.template)}")
        lines += [_need_line(need) for need in item.needs]
    if plan.record_needs:
        lines.append("")
        lines.append("edited records need their owners' approval:")
        lines += [_need_line(need) for need in plan.record_needs]
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


def _approvals_table(needs: list[ApprovalNeed], results: list[NeedResult] | None) -> list[str]:
    lines = ["| required | why | approved by | missing |", "|---|---|---|---|"]
    if results is None:
        return lines + [f"| {md(n.label)} | {md(n.reason)} | (not checked) | |" for n in needs]
    for r in results:
        approvers = ", ".join(code(a) for a in r.approvers) or "nobody yet"
        missing = f"{r.missing}" if r.missing else "✅"
        lines.append(f"| {md(r.need.label)} | {md(r.need.reason)} | {approvers} | {missing} |")
    rejected = [(who, why) for r in results for who, why in r.rejected]
    for who, why in dict.fromkeys(rejected):
        lines.append(f"- not counted: {code(who)}: {md(why)}")
    return lines


def _change_section(item: ChangePlan, results: list[NeedResult] | None) -> list[str]:
    risk = item.risk
    graph = item.risk_graph
    change = item.change
    lines = [
        f"### {code(change.name)} {md(change.title)}",
        "",
        f"**Risk: {_LEVEL_BADGE[risk.level]}**, score {risk.score}/100 = impact {risk.impact_score:.2f} × "
        f"likelihood {risk.likelihood_score:.2f} (matrix cell I{risk.impact_class}×L{risk.likelihood_class})",
        "",
    ]
    if len({(r.assessment.level, r.assessment.score) for r in item.risks}) > 1:
        lines += [f"Risk {md(_risk_headline(item))}: the stricter reading counts.", ""]
    lines += [
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
        lines += ["**Approvals:**", "", *_approvals_table(item.needs, results)]
    lines.append("")
    return lines


def render_markdown(
    plan: Plan,
    approvals: dict[str, list[NeedResult]] | None = None,
    record_results: list[NeedResult] | None = None,
) -> str:
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
            lines += _change_section(item, results)
    if plan.record_needs:
        lines += [
            "### Edited records",
            "",
            "Edits to owned records need their owners' approval (on the base branch).",
            "",
        ]
        lines += [*_approvals_table(plan.record_needs, record_results), ""]
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


def fit_comment(text: str, number: int, limit: int = COMMENT_LIMIT) -> str:
    """``text`` as one GitHub comment: unchanged when it fits, else cut at a line, with open ``<details>``
    closed and a note that says where the whole plan is. A comment GitHub refuses says nothing at all."""
    if len(text) <= limit:
        return text
    note = (
        f"\n\n**This plan is longer than one GitHub comment allows and was cut to fit.** "
        f"`itsmctl review --pr {number} --format markdown` (or `itsmctl plan`) prints all of it.\n"
    )
    budget = limit - len(note) - len("\n</details>") * 4
    kept: list[str] = []
    size = 0
    for line in text.split("\n"):
        if size + len(line) + 1 > budget:
            break
        kept.append(line)
        size += len(line) + 1
    cut = "\n".join(kept)
    unclosed = cut.count("<details>") - cut.count("</details>")
    return cut + "\n</details>" * max(0, unclosed) + note

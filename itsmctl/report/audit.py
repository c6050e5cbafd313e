"""Rendering an audit: text, JSON (documented in README), CSV (one row per change), HTML (printable)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import click
from jinja2 import Environment, PackageLoader, select_autoescape

from itsmctl import __version__
from itsmctl.audit.model import AuditReport, ChangeTrail, NoteRecord
from itsmctl.findings import Finding, Severity, count_by_severity
from itsmctl.report.escape import csv_cell, terminal, to_json
from itsmctl.report.json_format import finding_to_dict

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def _finding(f: Finding) -> dict[str, Any]:
    return {**finding_to_dict(f, details=False), "commit": f.details.get("commit"), "change": f.details.get("change")}


def _trail(t: ChangeTrail) -> dict[str, Any]:
    return {
        "change": t.name,
        "path": t.path,
        "title": t.title,
        "type": t.type,
        "requester": t.requester,
        "targets": list(t.targets),
        "status": t.status,
        "outcome": t.outcome,
        "removed": t.removed,
        "authorisedBy": t.authorised_by,
        "authorisedAt": t.authorised_at.isoformat() if t.authorised_at else None,
        "approvals": t.approvals,
        "approvalSource": t.approval_source,
        "ignoredApprovals": [{"identity": who, "reason": why} for who, why in t.ignored],
        "required": t.required,
        "transitions": [
            {
                "from": tr.before,
                "to": tr.after,
                "commit": tr.commit,
                "author": tr.author,
                "committer": tr.committer,
                "date": tr.date.isoformat(),
                "path": tr.path,
                "via": tr.via,
            }
            for tr in t.transitions
        ],
    }


def _note(n: NoteRecord) -> dict[str, Any]:
    return {
        "commit": n.commit,
        "pullRequest": n.pull_request,
        "notesCommit": n.notes_commit,
        "author": n.author,
        "committer": n.committer,
        "date": n.date,
        "signature": n.signature,
        "signer": n.signer,
        "trust": n.trust,
        "reasons": list(n.reasons),
    }


def _note_line(n: NoteRecord) -> str:
    """One line on who wrote a note and whether it is believed."""
    who = f"written by {n.author} in {(n.notes_commit or '')[:12]} on {n.date}" if n.author else "writer unknown"
    if n.signature is not None:
        who += f", signature {n.signature}" + (f" by {n.signer}" if n.signer else "")
    why = f" ({'; '.join(n.reasons)})" if n.reasons else ""
    return f"{who}: {n.trust}{why}"


def render_json(report: AuditReport) -> str:
    document = {
        "version": 1,
        "tool": {"name": "itsmctl", "version": __version__},
        "head": report.head,
        "period": {
            "since": report.since.isoformat() if report.since else None,
            "until": report.until.isoformat() if report.until else None,
        },
        "service": report.service,
        "commits": report.commits,
        "evidenceNotes": report.notes,
        "evidence": [_note(n) for n in report.evidence],
        "changes": [_trail(t) for t in report.trails],
        "findings": [_finding(f) for f in report.findings],
        "summary": {"changes": len(report.trails), **count_by_severity(report.findings)},
    }
    return to_json(document)


def render_csv(report: AuditReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "change",
            "title",
            "type",
            "requester",
            "targets",
            "status",
            "authorised_by",
            "authorised_at",
            "approvals",
            "approval_source",
            "evidence",
            "required",
            "transitions",
            "findings",
            "path",
        ]
    )
    findings_of: dict[str, int] = {}
    for finding in report.findings:
        name = finding.details.get("change")
        if isinstance(name, str):
            findings_of[name] = findings_of.get(name, 0) + 1
    notes = {n.commit: n for n in report.evidence}
    for t in report.trails:
        note = notes.get(t.authorised_by or "")
        steps = "; ".join(
            f"{tr.before or 'new'}->{tr.after or 'removed'} {tr.commit[:12]} {tr.date.date()}" for tr in t.transitions
        )
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    t.name,
                    t.title,
                    t.type,
                    t.requester,
                    " ".join(t.targets),
                    t.status,
                    t.authorised_by or "",
                    t.authorised_at.isoformat() if t.authorised_at else "",
                    " ".join(t.approvals),
                    t.approval_source or "",
                    _note_line(note) if note else "",
                    "; ".join(t.required),
                    steps,
                    findings_of.get(t.name, 0),
                    t.path,
                )
            ]
        )
    return out.getvalue()


def render_text(report: AuditReport) -> str:
    lines = [
        f"audit of {report.head[:12]}: {report.commits} commits, {len(report.trails)} changes, {report.notes} evidence notes",
        "",
    ]
    for t in report.trails:
        lines.append(
            f"{click.style(terminal(t.name), bold=True)}  {terminal(t.title)}  "
            f"[{terminal(t.type)}, requested by {terminal(t.requester)}]"
        )
        for tr in t.transitions:
            lines.append(
                f"  {tr.date:%Y-%m-%d %H:%M}  {terminal(tr.before or 'new'):>11} -> {terminal(tr.after or 'removed'):<11} "
                f"{tr.commit[:12]}  {terminal(tr.author)}  ({terminal(tr.via)})"
            )
        if t.authorised_by:
            who = ", ".join(t.approvals) or "nobody"
            lines.append(
                f"  authorised by {terminal(t.authorised_by[:12])}; approved by {terminal(who)} "
                f"({terminal(t.approval_source or 'no record')})"
            )
            for identity, why in t.ignored:
                lines.append(f"    not counted: {terminal(identity)}: {terminal(why)}")
    if report.evidence:
        lines += ["", "evidence notes:"]
        for n in report.evidence:
            pull = f" pull request #{n.pull_request}" if n.pull_request else ""
            lines.append(f"  {n.commit[:12]}{pull}  {terminal(_note_line(n))}")
    counts = count_by_severity(report.findings)
    if report.findings:
        lines.append("")
        for f in report.findings:
            label = click.style(str(f.severity), fg=_COLOURS[f.severity])
            lines.append(f"  {label}  {terminal(f.message)}  [{terminal(f.rule)}]  {terminal(str(f.location))}")
    lines.append(f"\n{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} note(s)")
    return "\n".join(lines) + "\n"


def render_html(report: AuditReport) -> str:
    # finalize: every value the page shows is one line with every character visible (escape.terminal);
    # autoescape then makes it text, not markup.
    environment = Environment(
        loader=PackageLoader("itsmctl", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        finalize=lambda value: terminal(value) if isinstance(value, str) else value,
    )
    template = environment.get_template("audit.html.j2")
    return template.render(report=report, data=json.loads(render_json(report)), version=__version__)

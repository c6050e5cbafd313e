"""Rendering SLA compliance: text, JSON (documented in README) and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from itsmctl.load.omitted import Omission
from itsmctl.report import omitted as omitted_note
from itsmctl.report.escape import csv_cell, terminal, to_json
from itsmctl.slm.compliance import ServiceCompliance


def _service(r: ServiceCompliance) -> dict[str, Any]:
    return {
        "service": r.service,
        "sla": r.sla,
        "target": r.target,
        "totalMinutes": r.total_minutes,
        "outageMinutes": r.outage_minutes,
        "availability": round(r.availability, 4),
        "met": r.met,
        "errorBudget": {
            "allowedMinutes": round(r.allowed_minutes, 2),
            "usedMinutes": r.outage_minutes,
            "leftMinutes": round(r.budget_left_minutes, 2),
        },
        "incidents": [
            {
                "incident": i.incident,
                "priority": i.priority,
                "responseMinutes": i.response_minutes,
                "responseTarget": i.response_target,
                "resolutionMinutes": i.resolution_minutes,
                "resolutionTarget": i.resolution_target,
                "stillOpen": i.still_open,
            }
            for i in r.incidents
        ],
        "breaches": [
            {
                "incident": b.incident,
                "priority": b.priority,
                "measure": b.measure,
                "minutes": b.minutes,
                "targetMinutes": b.target_minutes,
                "missedBy": b.missed_by,
                "stillOpen": b.still_open,
            }
            for b in r.breaches
        ],
    }


def render_json(
    reports: list[ServiceCompliance], start: datetime, end: datetime, omitted: Sequence[Omission] = ()
) -> str:
    payload = {
        "version": 1,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "services": [_service(r) for r in reports],
        "omitted": omitted_note.to_json(omitted),
    }
    return to_json(payload)


def render_csv(
    reports: list[ServiceCompliance], start: datetime, end: datetime, omitted: Sequence[Omission] = ()
) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["service", "sla", "target", "availability", "met", "outage_minutes", "budget_left_minutes", "breaches"]
    )
    for r in reports:
        row = (
            r.service,
            r.sla,
            r.target,
            f"{r.availability:.4f}",
            r.met,
            r.outage_minutes,
            round(r.budget_left_minutes, 2),
            len(r.breaches),
        )
        writer.writerow([csv_cell(value) for value in row])
    omitted_note.write_csv(writer, omitted)
    return out.getvalue()


def render_text(
    reports: list[ServiceCompliance], start: datetime, end: datetime, omitted: Sequence[Omission] = ()
) -> str:
    note = omitted_note.text_lines(omitted)  # escaped already
    head = [terminal(f"SLA compliance {start.isoformat()} .. {end.isoformat()}"), *(["", *note] if note else []), ""]
    lines: list[str] = []
    lines.append(f"{'service':<28} {'sla':<10} {'target':>7} {'actual':>9} {'outage':>9} {'budget left':>12}  breaches")
    for r in reports:
        mark = "ok " if r.met else "MISS"
        lines.append(
            f"{r.service:<28} {r.sla:<10} {r.target:>6g}% {r.availability:>8.3f}% {r.outage_minutes:>7g}m {r.budget_left_minutes:>10.1f}m  "
            f"{len(r.breaches)} {mark}"
        )
        for b in r.breaches:
            state = " (still open)" if b.still_open else ""
            lines.append(
                f"    {b.incident} {b.priority} {b.measure}: {b.minutes:g}m against {b.target_minutes:g}m, missed by {b.missed_by:g}m{state}"
            )
    return "\n".join([*head, *(terminal(line) for line in lines)]) + "\n"

"""Rendering change metrics and problem suggestions: JSON (documented in README) and text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from itsmctl.load.omitted import Omission
from itsmctl.report import omitted as omitted_note
from itsmctl.report.escape import terminal, to_json
from itsmctl.slm.metrics import Metrics
from itsmctl.slm.patterns import Suggestion


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def metrics_json(rows: list[Metrics], start: datetime, end: datetime, omitted: Sequence[Omission] = ()) -> str:
    payload = {
        "version": 1,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "scopes": [
            {
                "scope": m.scope,
                "changes": m.changes,
                "failedChanges": m.failed,
                "changeFailureRate": _round(m.failure_rate, 4),
                "incidentsResolved": m.incidents,
                "meanTimeToRestoreMinutes": _round(m.mean_time_to_restore),
                "medianLeadTimeHours": _round(m.median_lead_time),
            }
            for m in rows
        ],
        "omitted": omitted_note.to_json(omitted),
    }
    return to_json(payload)


def metrics_text(rows: list[Metrics], start: datetime, end: datetime, omitted: Sequence[Omission] = ()) -> str:
    lines = [f"metrics {start:%Y-%m-%d} .. {end:%Y-%m-%d}", *omitted_note.text_lines(omitted), ""]
    lines.append(f"{'scope':<34} {'changes':>7} {'failure rate':>12} {'incidents':>9} {'MTTR':>9} {'lead time':>10}")
    for m in rows:
        rate = f"{m.failure_rate:.0%}" if m.failure_rate is not None else "-"
        mttr = f"{m.mean_time_to_restore:.0f}m" if m.mean_time_to_restore is not None else "-"
        lead = f"{m.median_lead_time:.1f}h" if m.median_lead_time is not None else "-"
        lines.append(f"{terminal(m.scope):<34} {m.changes:>7} {rate:>12} {m.incidents:>9} {mttr:>9} {lead:>10}")
    return "\n".join(lines) + "\n"


def suggestions_json(found: list[Suggestion], omitted: Sequence[Omission] = ()) -> str:
    payload = [{"on": s.on, "incidents": list(s.incidents), "sharedWords": list(s.shared_words)} for s in found]
    return to_json({"version": 1, "suggestions": payload, "omitted": omitted_note.to_json(omitted)})


def suggestions_text(found: list[Suggestion], omitted: Sequence[Omission] = ()) -> str:
    lines = omitted_note.text_lines(omitted)
    if not found:
        lines.append("no recurring incidents without a problem record")
    for s in found:
        # The shared words come from incident titles.
        shared = terminal(", ".join(s.shared_words[:8]))
        lines.append(f"{terminal(s.on)}: {terminal(', '.join(s.incidents))}  (shared: {shared})")
    return "\n".join(lines) + "\n"

"""Rendering the schedule of change: text, JSON (documented in README) and iCalendar."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

import click

from itsmctl.load.omitted import Omission
from itsmctl.model.kinds import Change, Freeze
from itsmctl.report import omitted as omitted_note
from itsmctl.report.escape import ci_safe_ics, terminal, to_json
from itsmctl.risk.schedule import Schedule
from itsmctl.risk.score import RiskAssessment

_ISSUE_LABEL = {"overlap": "conflict", "maintenance": "outside maintenance", "freeze": "freeze"}


def _change_dict(change: Change, risk: RiskAssessment) -> dict[str, Any]:
    window = change.window
    assert window is not None
    return {
        "change": change.name,
        "title": change.title,
        "type": change.type,
        "status": change.status,
        "requester": change.requester,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "targets": list(change.target_refs),
        "risk": {"score": risk.score, "level": risk.level},
        "path": change.record.path,
    }


def _freeze_dict(freeze: Freeze) -> dict[str, Any]:
    return {
        "freeze": freeze.name,
        "start": freeze.window.start.isoformat(),
        "end": freeze.window.end.isoformat(),
        "allowedTypes": sorted(freeze.allowed_types),
        "reason": freeze.reason,
    }


def render_json(schedule: Schedule, risks: dict[str, RiskAssessment], omitted: Sequence[Omission] = ()) -> str:
    payload = {
        "version": 1,
        "from": schedule.start.isoformat() if schedule.start else None,
        "to": schedule.end.isoformat() if schedule.end else None,
        "changes": [_change_dict(c, risks[c.name]) for c in schedule.changes],
        "freezes": [_freeze_dict(f) for f in schedule.freezes],
        "issues": [
            {"kind": i.kind, "changes": list(i.changes), "via": i.via, "reason": i.reason} for i in schedule.issues
        ],
        "omitted": omitted_note.to_json(omitted),
    }
    return to_json(payload)


def render_text(schedule: Schedule, risks: dict[str, RiskAssessment], omitted: Sequence[Omission] = ()) -> str:
    lines = omitted_note.text_lines(omitted)
    if lines:
        lines.append("")
    issues_of: dict[str, list[str]] = {}
    for issue in schedule.issues:
        for name in issue.changes:
            issues_of.setdefault(name, []).append(f"{_ISSUE_LABEL[issue.kind]}: {issue.reason}")
    for freeze in schedule.freezes:
        allowed = ", ".join(sorted(freeze.allowed_types)) or "nothing"
        lines.append(
            click.style("FREEZE ", fg="cyan", bold=True)
            + f"{freeze.window.start:%Y-%m-%d %H:%M %z} .. {freeze.window.end:%Y-%m-%d %H:%M %z}  "
            + f"{terminal(freeze.name)} ({terminal(freeze.reason)}; allows {terminal(allowed)})"
        )
    if schedule.freezes:
        lines.append("")
    week = None
    for change in schedule.changes:
        window = change.window
        assert window is not None
        iso = window.start.isocalendar()
        if (iso.year, iso.week) != week:
            week = (iso.year, iso.week)
            lines.append(click.style(f"Week {iso.week} of {iso.year}", bold=True))
        risk = risks[change.name]
        lines.append(
            f"  {window.start:%a %d %b %H:%M}-{window.end:%H:%M %z}  {risk.level:<8} {terminal(change.name):<22} "
            f"{terminal(change.status):<11} {terminal(change.title)}"
        )
        for text in issues_of.get(change.name, []):
            lines.append(click.style(f"      ! {terminal(text)}", fg="red"))
    if not schedule.changes:
        lines.append("no scheduled changes in this period")
    lines.append(
        f"\n{len(schedule.changes)} change(s), {len(schedule.freezes)} freeze(s), {len(schedule.issues)} issue(s)"
    )
    return "\n".join(lines) + "\n"


def _stamp() -> datetime:
    # Reproducible feeds for reproducible builds (https://reproducible-builds.org/specs/source-date-epoch/).
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return datetime.fromtimestamp(int(epoch), UTC) if epoch and epoch.isdigit() else datetime.now(UTC)


def _all_day_end(moment: datetime) -> Any:
    # DTEND of an all-day event is exclusive: a freeze ending at midnight ends that day.
    return moment.date() if moment.time() == time(0) else moment.date() + timedelta(days=1)


def render_ics(
    schedule: Schedule,
    risks: dict[str, RiskAssessment],
    omitted: Sequence[Omission] = (),
    name: str = "Change schedule",
) -> str:
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//itsmctl//change schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    if omitted:
        # A calendar has no place for a note in every client: the description, and one property per record.
        calendar.add(
            "x-wr-caldesc", omitted_note.headline(omitted).capitalize().rstrip(":") + " (see X-ITSMCTL-OMITTED)"
        )
        for entry in omitted:
            calendar.add("x-itsmctl-omitted", terminal(entry.describe()))
    stamp = _stamp()
    issues_of: dict[str, list[str]] = {}
    for issue in schedule.issues:
        for change_name in issue.changes:
            issues_of.setdefault(change_name, []).append(f"{_ISSUE_LABEL[issue.kind]}: {issue.reason}")
    for change in schedule.changes:
        window = change.window
        assert window is not None
        risk = risks[change.name]
        event = Event()
        event.add("uid", f"{change.name}@itsmctl")
        event.add("dtstamp", stamp)
        event.add("dtstart", window.start.astimezone(UTC))
        event.add("dtend", window.end.astimezone(UTC))
        # Calendar apps show these as text: every value one line, every character visible.
        event.add("summary", f"[{risk.level.upper()}] {terminal(change.title)} ({terminal(change.name)})")
        description = [
            f"{terminal(change.type)} change, {terminal(change.status)}, requested by {terminal(change.requester)}",
            f"Risk {risk.score}/100 ({risk.level})",
            "Targets: " + terminal(", ".join(change.target_refs)),
            *(terminal(issue) for issue in issues_of.get(change.name, [])),
        ]
        event.add("description", "\n".join(description))
        event.add("categories", [risk.level, change.type])
        event.add("status", "TENTATIVE" if change.status == "requested" else "CONFIRMED")
        calendar.add_component(event)
    for freeze in schedule.freezes:
        event = Event()
        event.add("uid", f"freeze-{freeze.name}@itsmctl")
        event.add("dtstamp", stamp)
        event.add("dtstart", freeze.window.start.date())
        event.add("dtend", _all_day_end(freeze.window.end))
        event.add("summary", f"Change freeze: {terminal(freeze.name)}")
        allowed = ", ".join(sorted(freeze.allowed_types)) or "no change type"
        event.add("description", f"{terminal(freeze.reason)}\nAllowed: {terminal(allowed)}".strip())
        event.add("transp", "TRANSPARENT")
        event.add("categories", ["freeze"])
        calendar.add_component(event)
    return ci_safe_ics(calendar.to_ical().decode("utf-8"))

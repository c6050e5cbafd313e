"""The forward schedule and its iCalendar feed."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from itsmctl.report.schedule import render_ics, render_json
from itsmctl.risk.planning import Planning
from itsmctl.risk.schedule import build_schedule
from itsmctl.risk.score import assess
from tests.conftest import GOLD_SLA, change, ci, load_text, service, team

FREEZE = (
    "apiVersion: itsm/v1\nkind: Freeze\nmetadata: {name: year-end}\nspec:\n"
    "  start: '2026-12-18T00:00:00+01:00'\n  end: '2027-01-04T00:00:00+01:00'\n"
    "  reason: Peak season\n  allowedTypes: [emergency]\n"
)


def _schedule(*docs: str, start: datetime | None = None, end: datetime | None = None):  # type: ignore[no-untyped-def]
    loaded = load_text(team(), GOLD_SLA, *docs)
    planning = Planning(loaded.catalog)
    plan = build_schedule(planning, start, end)
    risks = {c.name: assess(c, planning) for c in plan.changes}
    return plan, risks


DOCS = [
    ci("db"),
    service("shop", tier=2, depends="[ci:db]"),
    change("chg-b", "[ci:db]", "2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00"),
    change("chg-a", "[service:shop]", "2026-12-08T22:30:00+01:00", "2026-12-08T23:30:00+01:00", status="approved"),
    change("chg-draft", "[ci:db]", "2026-12-01T22:00:00+01:00", "2026-12-01T23:00:00+01:00", status="draft"),
    change("chg-done", "[ci:db]", "2026-12-02T22:00:00+01:00", "2026-12-02T23:00:00+01:00", status="completed"),
    change("chg-xmas", "[ci:db]", "2026-12-20T22:00:00+01:00", "2026-12-20T23:00:00+01:00"),
    FREEZE,
]


def test_schedule_lists_open_changes_in_time_order_with_issues() -> None:
    plan, _ = _schedule(*DOCS)
    assert [c.name for c in plan.changes] == ["chg-b", "chg-a", "chg-xmas"]
    kinds = sorted((issue.kind, issue.changes) for issue in plan.issues)
    assert kinds == [("freeze", ("chg-xmas",)), ("overlap", ("chg-a", "chg-b"))]
    assert [f.name for f in plan.freezes] == ["year-end"]


def test_period_limits_the_schedule() -> None:
    plan, _ = _schedule(*DOCS, start=datetime(2026, 12, 15, tzinfo=UTC))
    assert [c.name for c in plan.changes] == ["chg-xmas"]
    assert [issue.kind for issue in plan.issues] == ["freeze"]


def test_json_shape() -> None:
    import json

    plan, risks = _schedule(*DOCS)
    payload = json.loads(render_json(plan, risks))
    assert payload["version"] == 1
    first = payload["changes"][0]
    assert set(first) == {"change", "title", "type", "status", "requester", "start", "end", "targets", "risk", "path"}
    assert first["risk"]["level"] in ("low", "medium", "high", "critical")
    assert {i["kind"] for i in payload["issues"]} == {"freeze", "overlap"}


def test_ics_is_a_valid_calendar_with_one_event_per_change_and_all_day_freezes() -> None:
    plan, risks = _schedule(*DOCS)
    text = render_ics(plan, risks)
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))  # RFC 5545 line folding
    calendar = Calendar.from_ical(text)
    events = [c for c in calendar.walk("VEVENT")]
    uids = [str(e["UID"]) for e in events]
    assert uids == ["chg-b@itsmctl", "chg-a@itsmctl", "chg-xmas@itsmctl", "freeze-year-end@itsmctl"]
    change_event = events[0]
    assert change_event.decoded("DTSTART") == datetime(2026, 12, 8, 21, 0, tzinfo=UTC)
    assert "conflict" in str(change_event["DESCRIPTION"])
    freeze_event = events[-1]
    assert str(freeze_event.decoded("DTSTART")) == "2026-12-18"
    assert str(freeze_event.decoded("DTEND")) == "2027-01-04"  # exclusive end at midnight
    for event in events:
        assert "DTSTAMP" in event


def test_ics_escapes_hostile_titles() -> None:
    hostile = change("chg-x", "[ci:db]", "2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00").replace(
        "title: Change chg-x", 'title: "Evil\\r\\nEND:VCALENDAR\\r\\nBEGIN:VEVENT; x, y"'
    )
    plan, risks = _schedule(ci("db"), hostile)
    calendar = Calendar.from_ical(render_ics(plan, risks))
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    assert "END:VCALENDAR" in str(events[0]["SUMMARY"])  # kept as text, not structure

"""Support-hours arithmetic is exact and does not walk day by day over long spans (issue 11 leftovers, item 3).

One incident resolved in 2999 (years are taken up to 2999) made ``sla report``
walk 400,000 days for its resolution time: most of a second per such incident,
minutes for a file of them. Whole days inside a span now count in one step;
the result is the day-by-day walk's, to the second (the reference below).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from itsmctl.model.kinds import SupportHours
from itsmctl.slm.business_time import _wall, counted_seconds

BERLIN = ZoneInfo("Europe/Berlin")
HOURS = [
    SupportHours(frozenset(range(5)), 8 * 60, 18 * 60, BERLIN),
    SupportHours(frozenset({0, 2, 6}), 0, 24 * 60, ZoneInfo("America/New_York")),
    SupportHours(frozenset(range(7)), 22 * 60, 24 * 60, ZoneInfo("Australia/Lord_Howe")),  # a 30-minute DST shift
    SupportHours(frozenset({5}), 90, 150, ZoneInfo("UTC")),
]


def _walk(start: datetime, end: datetime, hours: SupportHours) -> float:
    """The former implementation: every day from the one before ``start`` to the last."""
    if end <= start:
        return 0.0
    zone = hours.timezone
    total = 0.0
    day = start.astimezone(zone).date() - timedelta(days=1)
    while day <= end.astimezone(zone).date():
        if day.weekday() in hours.days:
            opens = datetime.combine(day, _wall(hours.start_minute), zone)
            if hours.end_minute >= 24 * 60:
                closes = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
            else:
                closes = datetime.combine(day, _wall(hours.end_minute), zone)
            overlap_start, overlap_end = max(start, opens), min(end, closes)
            if overlap_end > overlap_start:
                total += (overlap_end - overlap_start).total_seconds()
        day += timedelta(days=1)
    return total


@pytest.mark.parametrize("hours", HOURS, ids=["office", "24h-days", "late-dst", "saturday"])
def test_the_same_seconds_as_walking_every_day(hours: SupportHours) -> None:
    chance = random.Random(11)
    for _ in range(300):
        start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=chance.randrange(0, 3 * 365 * 24 * 60))
        end = start + timedelta(minutes=chance.choice([0, 5, 600, 1440, 3000, 20000, 200000]) + chance.randrange(60))
        if chance.random() < 0.3:  # boundaries: local midnight and the opening time exactly
            end = datetime.combine(end.astimezone(hours.timezone).date(), _wall(hours.start_minute), hours.timezone)
        assert counted_seconds(start, end, hours) == _walk(start, end, hours), (start, end)


def test_eleven_centuries_count_at_once() -> None:
    hours = HOURS[0]
    start, end = datetime(1900, 1, 1, tzinfo=UTC), datetime(2999, 12, 31, tzinfo=UTC)
    started = time.perf_counter()
    total = counted_seconds(start, end, hours)
    assert time.perf_counter() - started < 0.2  # the day-by-day walk took about a second
    # 10 hours on each working day: the same as a walk over one year, times the years, within the weekday drift.
    assert abs(total - 1100 * 261 * 10 * 3600) < 1100 * 2 * 10 * 3600


def test_sla_report_with_incidents_resolved_in_2999_is_quick(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import service, team

    office = (
        "  supportHours: {days: [mon, tue, wed, thu, fri], start: '08:00', end: '18:00', timezone: Europe/Berlin}\n"
    )
    sla = (
        "apiVersion: itsm/v1\nkind: SLA\nmetadata: {name: gold}\nspec:\n  availability: 99.9\n"
        "  response: {P1: 15m}\n  resolution: {P1: 4h}\n" + office
    )
    incidents = [
        f"apiVersion: itsm/v1\nkind: Incident\nmetadata: {{name: inc-{i}}}\nspec:\n  title: Down for ever\n"
        "  priority: P1\n  services: [service:shop]\n  impact: {kind: outage}\n"
        "  opened: '2026-11-04T10:00:00Z'\n  acknowledged: '2026-11-04T10:05:00Z'\n"
        "  resolved: '2999-11-04T11:00:00Z'\n  status: resolved\n"
        for i in range(40)
    ]
    root = make_repo({"catalog/all.yaml": "\n---\n".join([team(), sla, service("shop", tier=2), *incidents])})
    started = time.monotonic()
    result = run_cli("-C", str(root), "sla", "report", "--period", "2026-11", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert time.monotonic() - started < 10

"""Maintenance windows from RRULEs, in their own time zone, across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from itsmctl.model.kinds import MaintenanceWindow
from itsmctl.risk.windows import RuleError, check_rule, next_occurrences, parse_rule, window_covers

BERLIN = ZoneInfo("Europe/Berlin")
UTC_ZONE = ZoneInfo("UTC")


def weekly_tuesday_22h(duration_hours: int = 4) -> MaintenanceWindow:
    return MaintenanceWindow("FREQ=WEEKLY;BYDAY=TU;BYHOUR=22;BYMINUTE=0", timedelta(hours=duration_hours), BERLIN, None)


def test_window_inside_one_occurrence_is_covered() -> None:
    window = weekly_tuesday_22h()
    start = datetime(2026, 12, 8, 22, 30, tzinfo=BERLIN)
    assert window_covers(window, start, start + timedelta(hours=2))


def test_window_running_past_the_occurrence_or_on_another_day_is_not() -> None:
    window = weekly_tuesday_22h()
    tuesday = datetime(2026, 12, 8, 23, 0, tzinfo=BERLIN)
    assert not window_covers(window, tuesday, tuesday + timedelta(hours=4))
    wednesday = datetime(2026, 12, 9, 22, 30, tzinfo=BERLIN)
    assert not window_covers(window, wednesday, wednesday + timedelta(hours=1))


def test_local_wall_clock_is_kept_across_dst() -> None:
    window = weekly_tuesday_22h(duration_hours=1)
    # 22:00 Berlin is 21:00 UTC in summer (CEST) and 21:00... in winter 21:00 UTC is 22:00 CET.
    summer = datetime(2026, 7, 7, 20, 0, tzinfo=UTC)  # 22:00 CEST
    winter = datetime(2026, 12, 8, 21, 0, tzinfo=UTC)  # 22:00 CET
    assert window_covers(window, summer, summer + timedelta(minutes=30))
    assert window_covers(window, winter, winter + timedelta(minutes=30))
    # The same UTC instant as summer's is 21:00 local in winter: outside.
    wrong = datetime(2026, 12, 8, 20, 0, tzinfo=UTC)
    assert not window_covers(window, wrong, wrong + timedelta(minutes=30))


def test_occurrence_started_the_day_before_covers_a_change_after_midnight() -> None:
    window = MaintenanceWindow("FREQ=DAILY;BYHOUR=23;BYMINUTE=0", timedelta(hours=4), UTC_ZONE, None)
    start = datetime(2026, 12, 31, 0, 30, tzinfo=UTC)  # also crosses the year boundary
    assert window_covers(window, start, start + timedelta(hours=2))


def test_interval_rules_keep_their_phase_from_start() -> None:
    fortnightly = MaintenanceWindow(
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=1", timedelta(hours=2), UTC_ZONE, "2026-01-05"
    )
    on = datetime(2026, 1, 19, 1, 0, tzinfo=UTC)
    off = datetime(2026, 1, 12, 1, 0, tzinfo=UTC)
    assert window_covers(fortnightly, on, on + timedelta(hours=1))
    assert not window_covers(fortnightly, off, off + timedelta(hours=1))


def test_next_occurrences_lists_upcoming_windows() -> None:
    after = datetime(2026, 12, 1, tzinfo=BERLIN)
    upcoming = next_occurrences(weekly_tuesday_22h(), after, count=2)
    assert [o.start for o in upcoming] == [
        datetime(2026, 12, 1, 22, tzinfo=BERLIN),
        datetime(2026, 12, 8, 22, tzinfo=BERLIN),
    ]


@pytest.mark.parametrize(
    "rule, start",
    [
        ("FREQ=DAILY;BYHOUR=1;BYMINUTE=0", None),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=1", "2026-01-05"),
        ("FREQ=MONTHLY;BYMONTHDAY=31;BYHOUR=3", None),
        ("FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1;BYHOUR=0", None),
        ("FREQ=WEEKLY;COUNT=3;BYDAY=FR;BYHOUR=20", "2026-12-01"),
    ],
)
@pytest.mark.parametrize(
    "after",
    [
        datetime(2026, 12, 30, 23, 59, tzinfo=UTC),
        datetime(2027, 1, 31, 3, 0, tzinfo=BERLIN),
        datetime(2024, 2, 28, tzinfo=UTC),
    ],
)
def test_next_occurrences_match_dateutil_walking_from_the_first_day(
    rule: str, start: str | None, after: datetime
) -> None:
    window = MaintenanceWindow(rule, timedelta(hours=1), BERLIN, start)
    expected, moment = [], after
    for _ in range(3):
        begin = parse_rule(window).after(moment, inc=False)
        if begin is None:
            break
        expected.append(begin)
        moment = begin
    assert [o.start for o in next_occurrences(window, after, count=3)] == expected


@pytest.mark.parametrize(
    "rule, start",
    [
        ("FREQ=DAILY;BYHOUR=22;BYMINUTE=30", "1990-03-04"),
        ("FREQ=DAILY;INTERVAL=3;BYHOUR=2", "1999-12-31"),
        ("FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,TH;BYHOUR=1", "1987-06-09"),
        ("FREQ=WEEKLY;WKST=SU;INTERVAL=2;BYDAY=SU,SA;BYHOUR=5", "1980-01-01"),
        ("FREQ=HOURLY;INTERVAL=5;BYMINUTE=15", "2019-05-05"),
        ("FREQ=HOURLY;INTERVAL=36", "2018-01-01"),
        ("FREQ=MONTHLY;INTERVAL=5;BYDAY=-1FR;BYHOUR=23", "1950-07-31"),
        ("FREQ=MONTHLY;INTERVAL=7", "1961-01-31"),
        ("FREQ=YEARLY;INTERVAL=3;BYMONTH=2;BYMONTHDAY=28,29", "1904-02-29"),
        ("FREQ=YEARLY;INTERVAL=2", "1904-02-29"),
        ("FREQ=DAILY;BYDAY=MO;BYHOUR=3;UNTIL=20261215T000000Z", "1990-01-01"),
    ],
)
@pytest.mark.parametrize(
    "after", [datetime(2026, 12, 30, 23, 0, tzinfo=UTC), datetime(2031, 3, 29, 0, 30, tzinfo=BERLIN)]
)
def test_windows_with_an_early_first_day_give_what_walking_from_that_day_gives(
    rule: str, start: str, after: datetime
) -> None:
    # Occurrences are not walked from a first day decades ago (seconds for an hourly rule)
    # but from a period boundary shortly before the year asked for: the result is the same.
    window = MaintenanceWindow(rule, timedelta(hours=1), BERLIN, start)
    walked = parse_rule(window)
    expected, moment = [], after
    for _ in range(3):
        begin = walked.after(moment, inc=False)
        if begin is None:
            break
        expected.append(begin)
        moment = begin
    within_horizon = [begin for begin in expected if begin.year <= after.year + 5]  # next_occurrences looks 5 years on
    assert [o.start for o in next_occurrences(window, after, count=3)] == within_horizon
    latest = walked.before(after, inc=True)
    covered = latest is not None and window_covers(window, after, after)
    assert covered == (latest is not None and after <= latest + timedelta(hours=1))


@pytest.mark.parametrize(
    "rule, message",
    [
        ("FREQ=MINUTELY", "FREQ must be"),
        ("FREQ=WEEKLY;BYDAY=XX", "not a valid RRULE"),
        ("DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY", "DTSTART"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL must be"),  # dateutil loops for ever
        ("FREQ=DAILY;INTERVAL=-1", "INTERVAL must be"),
        ("FREQ=DAILY;INTERVAL=99999999999", "INTERVAL must be"),
        ("FREQ=DAILY;COUNT=0", "COUNT must be"),
        ("FREQ=HOURLY;BYSECOND=0,1,2", "BYSECOND is not supported"),
        ("FREQ=YEARLY;BYEASTER=99999999", "BYEASTER is not supported"),
        ("FREQ=DAILY;BYMONTHDAY=40", "BYMONTHDAY values must be"),
        ("FREQ=DAILY;BYMINUTE=60", "BYMINUTE values must be"),
        ("FREQ=WEEKLY;BYDAY=1MO", "needs FREQ=MONTHLY"),
        ("FREQ=DAILY;BYHOUR=1;BYSETPOS=2", "BYSETPOS picks from the 1"),
    ],
)
def test_unusable_rules_are_rejected_with_a_reason(rule: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        parse_rule(MaintenanceWindow(rule, timedelta(hours=1), UTC_ZONE, None))


@pytest.mark.parametrize(
    "rule, message",
    [
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "never opens"),
        ("FREQ=HOURLY;BYMONTH=4;BYMONTHDAY=31", "never opens"),
        ("FREQ=DAILY;UNTIL=20000101T000000Z", "never opens"),
        ("FREQ=HOURLY;BYMINUTE=0,10,20,30,40,50", "more than 20,000 occurrences"),
        ("FREQ=HOURLY;COUNT=999999999", "give it a later 'start'"),
    ],
)
def test_rules_that_never_open_or_cost_too_much_are_caught_quickly(rule: str, message: str) -> None:
    import time

    window = MaintenanceWindow(rule, timedelta(minutes=5), UTC_ZONE, "2024-01-01")
    began = time.perf_counter()
    with pytest.raises(RuleError, match=message):
        check_rule(window, (2040,))
    # Every lookup after the check is quick too: gate, risk and the catalog site never hang on it.
    moment = datetime(2040, 6, 1, tzinfo=UTC)
    try:
        window_covers(window, moment, moment)
        next_occurrences(window, moment)
    except RuleError:
        pass
    assert time.perf_counter() - began < 3


def test_a_rule_that_stops_matching_is_walked_to_its_end_once() -> None:
    # Nothing matches after 2026 (UNTIL); later years are known to be empty without walking.
    window = MaintenanceWindow("FREQ=DAILY;BYHOUR=1;UNTIL=20261231T000000Z", timedelta(hours=1), UTC_ZONE, None)
    assert next_occurrences(window, datetime(2026, 12, 29, tzinfo=UTC), 5)[-1].start.day == 30
    assert next_occurrences(window, datetime(2027, 1, 1, tzinfo=UTC)) == []

"""Maintenance windows: RFC 5545 recurrence rules with a duration and a time zone.

Occurrences are generated with python-dateutil in the window's own zone, so a
window at 22:00 Europe/Berlin stays at 22:00 local time across DST changes.
They are generated a year at a time and kept sorted, so checking thousands of
change windows costs a binary search each, not a walk from the rule's start.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from dateutil.rrule import rrule, rrulestr

from itsmctl.model.kinds import MaintenanceWindow

DEFAULT_START = "2024-01-01"
ALLOWED_FREQUENCIES = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY")


class RuleError(ValueError):
    pass


@lru_cache(maxsize=1024)
def _parse(rule_text: str, zone_key: str, start: str) -> rrule:
    from zoneinfo import ZoneInfo

    text = rule_text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if "DTSTART" in text.upper():
        raise RuleError("give the first day as the window's 'start' field, not DTSTART")
    parts = dict(part.split("=", 1) for part in text.upper().split(";") if "=" in part)
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise RuleError(f"FREQ must be one of {', '.join(ALLOWED_FREQUENCIES)}, not {parts.get('FREQ')!r}")
    year, month, day = (int(x) for x in start.split("-"))
    dtstart = datetime(year, month, day, tzinfo=ZoneInfo(zone_key))
    try:
        parsed = rrulestr(text, dtstart=dtstart)
    except (ValueError, TypeError) as error:
        raise RuleError(f"not a valid RRULE: {error}") from None
    if not isinstance(parsed, rrule):
        raise RuleError("give a single RRULE")
    return parsed


def parse_rule(window: MaintenanceWindow) -> rrule:
    """The dateutil rule of a window; raises RuleError with a readable message."""
    return _parse(window.rrule, window.timezone.key, window.start or DEFAULT_START)


class _Occurrences:
    """Sorted occurrence starts of one rule, generated a year at a time on demand."""

    def __init__(self, rule: rrule) -> None:
        self.rule = rule
        self.years: dict[int, list[datetime]] = {}

    def year(self, year: int) -> list[datetime]:
        starts = self.years.get(year)
        if starts is None:
            zone = self.rule._dtstart.tzinfo  # noqa: SLF001 - the rule's own zone
            first, end = datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)
            # Half-open: an occurrence at midnight on 1 January belongs to one year only.
            starts = [start for start in self.rule.between(first, end, inc=True) if start < end]
            self.years[year] = starts
        return starts

    def latest_at_or_before(self, moment: datetime, limit: int = 3) -> list[datetime]:
        """Up to ``limit`` occurrences starting at or before ``moment``, latest first."""
        found: list[datetime] = []
        year = moment.year + 1  # the rule's zone may already be in the next year
        while len(found) < limit and year >= moment.year - 2:
            starts = self.year(year)
            position = bisect.bisect_right(starts, moment)
            found.extend(reversed(starts[max(0, position - (limit - len(found))) : position]))
            year -= 1
        return found

    def first_after(self, moment: datetime, limit: int = 3, horizon_years: int = 5) -> list[datetime]:
        """Up to ``limit`` occurrences starting strictly after ``moment``, earliest first."""
        found: list[datetime] = []
        year = moment.year - 1  # the rule's zone may still be in the previous year
        while len(found) < limit and year <= moment.year + horizon_years:
            starts = self.year(year)
            position = bisect.bisect_right(starts, moment)
            found.extend(starts[position : position + limit - len(found)])
            year += 1
        return found


@lru_cache(maxsize=1024)
def _occurrences(rule_text: str, zone_key: str, start: str) -> _Occurrences:
    return _Occurrences(_parse(rule_text, zone_key, start))


def _occurrences_of(window: MaintenanceWindow) -> _Occurrences:
    """The window's occurrence cache; raises RuleError, as ``parse_rule`` does, for a bad rule."""
    return _occurrences(window.rrule, window.timezone.key, window.start or DEFAULT_START)


def window_covers(window: MaintenanceWindow, start: datetime, end: datetime) -> bool:
    """Whether one occurrence of the maintenance window contains [start, end]."""
    occurrences = _occurrences_of(window)
    for begin in occurrences.latest_at_or_before(start):
        if end <= begin + window.duration:
            return True
    return False


def any_window_covers(windows: tuple[MaintenanceWindow, ...], start: datetime, end: datetime) -> bool:
    return any(window_covers(window, start, end) for window in windows)


@dataclass(frozen=True)
class Occurrence:
    start: datetime
    end: datetime


def next_occurrences(window: MaintenanceWindow, after: datetime, count: int = 3) -> list[Occurrence]:
    """The next few occurrences (within five years), for people reading the catalog.

    Served from the per-year occurrence cache: rrule.after() walks from the
    rule's first day, which costs thousands of steps for a daily window.
    """
    return [Occurrence(begin, begin + window.duration) for begin in _occurrences_of(window).first_after(after, count)]

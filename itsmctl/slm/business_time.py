"""Time that counts against an SLA: all of it (24x7) or only its support hours.

Support hours are wall-clock hours in the SLA's time zone (08:00-18:00
Europe/Berlin stays 08:00-18:00 local across DST), on the listed weekdays.
Intervals are merged first, so overlapping incidents count once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from itsmctl.model.kinds import SupportHours


def merge(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping or touching intervals joined; empty ones dropped."""
    ordered = sorted((start, end) for start, end in intervals if end > start)
    merged: list[tuple[datetime, datetime]] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def clip(interval: tuple[datetime, datetime], start: datetime, end: datetime) -> tuple[datetime, datetime]:
    return max(interval[0], start), min(interval[1], end)


def _wall(minute: int) -> time:
    return time(minute // 60, minute % 60)


def _day_seconds(day: date, start: datetime, end: datetime, hours: SupportHours) -> float:
    """Seconds of ``day``'s support hours inside [start, end)."""
    if day.weekday() not in hours.days:
        return 0.0
    zone = hours.timezone
    # Wall-clock times of that day in the SLA's zone, so DST keeps local hours.
    opens = datetime.combine(day, _wall(hours.start_minute), zone)
    if hours.end_minute >= 24 * 60:
        closes = datetime.combine(day + timedelta(days=1), time(0), zone)
    else:
        closes = datetime.combine(day, _wall(hours.end_minute), zone)
    overlap_start, overlap_end = max(start, opens), min(end, closes)
    return (overlap_end - overlap_start).total_seconds() if overlap_end > overlap_start else 0.0


def _weekdays_between(first: date, last: date, days: frozenset[int]) -> int:
    """How many dates from ``first`` to ``last`` (both included) fall on one of ``days``."""
    count = (last - first).days + 1
    weeks, rest = divmod(count, 7)
    return weeks * len(days) + sum(1 for offset in range(rest) if (first.weekday() + offset) % 7 in days)


def counted_seconds(start: datetime, end: datetime, hours: SupportHours | None) -> float:
    """Seconds of [start, end) inside support hours (all of them when ``hours`` is None).

    The first and last days are counted hour by hour; every day between lies wholly
    inside [start, end) and counts its support hours on the wall clock (opening and
    closing times of one day in one zone), so a span of centuries costs no more than
    a day: an incident resolved in 2999 must not make a report walk 400,000 days.
    """
    if end <= start:
        return 0.0
    if hours is None:
        return (end - start).total_seconds()
    first, last = start.astimezone(hours.timezone).date(), end.astimezone(hours.timezone).date()
    # A day's hours can reach no further than its own end, but the day before is counted to be safe.
    edges = {first - timedelta(days=1), first, first + timedelta(days=1), last - timedelta(days=1), last}
    total = sum(_day_seconds(day, start, end, hours) for day in edges if first - timedelta(days=1) <= day <= last)
    middle_first, middle_last = first + timedelta(days=2), last - timedelta(days=2)
    if middle_first <= middle_last:
        # Strictly inside: opens after ``start`` and closes before ``end``; the same wall-clock length each day.
        length = max(0, min(hours.end_minute, 24 * 60) - hours.start_minute) * 60
        total += _weekdays_between(middle_first, middle_last, hours.days) * length
    return total


def counted_between(intervals: Iterable[tuple[datetime, datetime]], hours: SupportHours | None) -> float:
    return sum(counted_seconds(start, end, hours) for start, end in merge(intervals))

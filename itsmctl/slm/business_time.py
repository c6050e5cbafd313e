"""Time that counts against an SLA: all of it (24x7) or only its support hours.

Support hours are wall-clock hours in the SLA's time zone (08:00-18:00
Europe/Berlin stays 08:00-18:00 local across DST), on the listed weekdays.
Intervals are merged first, so overlapping incidents count once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta

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


def counted_seconds(start: datetime, end: datetime, hours: SupportHours | None) -> float:
    """Seconds of [start, end) inside support hours (all of them when ``hours`` is None)."""
    if end <= start:
        return 0.0
    if hours is None:
        return (end - start).total_seconds()
    zone = hours.timezone
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    total = 0.0
    day = local_start.date() - timedelta(days=1)  # a window of the previous day cannot reach in, but be safe
    while day <= local_end.date():
        if day.weekday() in hours.days:
            # Wall-clock times of that day in the SLA's zone, so DST keeps local hours.
            opens = datetime.combine(day, _wall(hours.start_minute), zone)
            if hours.end_minute >= 24 * 60:
                following = day + timedelta(days=1)
                closes = datetime.combine(following, time(0), zone)
            else:
                closes = datetime.combine(day, _wall(hours.end_minute), zone)
            overlap_start, overlap_end = max(start, opens), min(end, closes)
            if overlap_end > overlap_start:
                total += (overlap_end - overlap_start).total_seconds()
        day += timedelta(days=1)
    return total


def counted_between(intervals: Iterable[tuple[datetime, datetime]], hours: SupportHours | None) -> float:
    return sum(counted_seconds(start, end, hours) for start, end in merge(intervals))

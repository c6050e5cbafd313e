"""Maintenance windows: RFC 5545 recurrence rules with a duration and a time zone.

Occurrences are generated with python-dateutil in the window's own zone, so a
window at 22:00 Europe/Berlin stays at 22:00 local time across DST changes.
They are generated a year at a time and kept sorted, so checking thousands of
change windows costs a binary search each, not a walk from the rule's start.

dateutil walks every rule from its first day, and walks on to the year 9999
when nothing matches; so a rule is checked before it is used (``check_rule``),
and where that is exact the walk for a year starts shortly before that year
(see ``_fast_forward``) instead of at the window's first day.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from dateutil.rrule import rrule, rrulestr

from itsmctl.model.kinds import MaintenanceWindow

DEFAULT_START = "2024-01-01"
ALLOWED_FREQUENCIES = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY")
# Beyond these a rule is an absurdity that would only cost time: no maintenance
# window recurs more often than every half hour, or skips more than 1,000 periods.
MAX_INTERVAL = 1000
MAX_OCCURRENCES_PER_YEAR = 20_000
# Occurrences dateutil may generate to produce one year's (from the first day, for a
# rule with COUNT, which cannot be fast-forwarded).
_WALK_BUDGET = 100_000
# RFC 5545 ranges that dateutil does not check itself (it checks BYHOUR).
_RANGES = {
    "BYMINUTE": (0, 59, False),
    "BYMONTH": (1, 12, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYSETPOS": (1, 366, True),
}
# Parts whose meaning is a set of days, the same under any FREQ (see ``_never_occurs``).
_DAY_PARTS = ("BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYDAY", "UNTIL", "WKST")


class RuleError(ValueError):
    pass


def _body(rule_text: str) -> str:
    text = rule_text.strip()
    return text[6:] if text.upper().startswith("RRULE:") else text


def _parts(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.upper().split(";") if "=" in part)


def _count(parts: dict[str, str], name: str) -> int:
    return len(parts[name].split(",")) if name in parts else 1


def _check_parts(parts: dict[str, str]) -> None:
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise RuleError(f"FREQ must be one of {', '.join(ALLOWED_FREQUENCIES)}, not {parts.get('FREQ')!r}")
    for name in ("BYSECOND", "BYEASTER"):
        if name in parts:
            raise RuleError(f"{name} is not supported: maintenance windows start on a whole minute of a set day")
    if "INTERVAL" in parts:
        interval = parts["INTERVAL"]
        if not interval.isdigit() or not 1 <= int(interval[:6]) <= MAX_INTERVAL or len(interval) > 6:
            raise RuleError(f"INTERVAL must be a whole number from 1 to {MAX_INTERVAL}, not {interval!r}")
    if "COUNT" in parts and (not parts["COUNT"].isdigit() or int(parts["COUNT"][:12]) < 1):
        raise RuleError(f"COUNT must be a whole number of at least 1, not {parts['COUNT']!r}")
    for name, (low, high, negative) in _RANGES.items():
        for value in parts.get(name, "").split(",") if name in parts else ():
            number = value.lstrip("+-")
            ok = number.isdigit() and low <= int(number[:4]) <= high and (negative or not value.startswith("-"))
            if not ok:
                sign = f"-{high}..-{low} or " if negative else ""
                raise RuleError(f"{name} values must be {sign}{low}..{high}, not {value!r}")
    if parts["FREQ"] in ("WEEKLY", "DAILY", "HOURLY") and any(c.isdigit() for c in parts.get("BYDAY", "")):
        raise RuleError("BYDAY with a number (1MO, -1FR) needs FREQ=MONTHLY or YEARLY")
    # BYSETPOS picks from each period's set of times; past its size it picks nothing, ever
    # (and dateutil would walk to the year 9999 looking). For these FREQs the size is fixed.
    sizes = {"HOURLY": 1, "DAILY": _count(parts, "BYHOUR"), "WEEKLY": _count(parts, "BYHOUR") * _count(parts, "BYDAY")}
    if "BYSETPOS" in parts and parts["FREQ"] in sizes:
        size = sizes[parts["FREQ"]] * _count(parts, "BYMINUTE")
        if any(int(value.lstrip("+-")) > size for value in parts["BYSETPOS"].split(",")):
            raise RuleError(f"BYSETPOS picks from the {size} time(s) of each period; a larger position picks nothing")


def _first_moment(start: str, zone_key: str) -> datetime:
    from zoneinfo import ZoneInfo

    year, month, day = (int(x) for x in start.split("-"))
    return datetime(year, month, day, tzinfo=ZoneInfo(zone_key))


@lru_cache(maxsize=1024)
def _parse(rule_text: str, zone_key: str, start: str) -> rrule:
    text = _body(rule_text)
    if "DTSTART" in text.upper():
        raise RuleError("give the first day as the window's 'start' field, not DTSTART")
    _check_parts(_parts(text))
    try:
        parsed = rrulestr(text, dtstart=_first_moment(start, zone_key))
    except (ValueError, TypeError, IndexError, OverflowError) as error:
        raise RuleError(f"not a valid RRULE: {error}") from None
    if not isinstance(parsed, rrule):
        raise RuleError("give a single RRULE")
    return parsed


def parse_rule(window: MaintenanceWindow) -> rrule:
    """The dateutil rule of a window; raises RuleError with a readable message."""
    return _parse(window.rrule, window.timezone.key, window.start or DEFAULT_START)


@lru_cache(maxsize=1024)
def _never_occurs(rule_text: str, zone_key: str, start: str) -> bool:
    """Whether no day ever matches the rule's day filters (``BYMONTH=2;BYMONTHDAY=30``).

    dateutil would walk such a rule to the year 9999 on every lookup, day by day for a
    DAILY rule (seconds each time). The same filters under FREQ=YEARLY (or MONTHLY, where
    ``BYDAY=-1FR`` means the month's last Friday) match a superset of the days, and are
    walked a year (a month) at a time.
    """
    parts = _parts(_body(rule_text))
    frequency = parts["FREQ"] if parts["FREQ"] in ("YEARLY", "MONTHLY") else "YEARLY"
    kept = [f"{name}={parts[name]}" for name in _DAY_PARTS if name in parts]
    probe = _parse(";".join([f"FREQ={frequency}", *kept]), zone_key, start)
    return next(iter(probe), None) is None


@dataclass(frozen=True)
class _Shape:
    """What fast-forwarding needs to know of a rule (read from its text, not from dateutil's insides)."""

    frequency: str
    interval: int
    counted: bool
    start: datetime

    @classmethod
    def of(cls, rule_text: str, zone_key: str, start: str) -> _Shape:
        parts = _parts(_body(rule_text))
        return cls(parts["FREQ"], int(parts.get("INTERVAL", "1")), "COUNT" in parts, _first_moment(start, zone_key))


def _fast_forward(rule: rrule, shape: _Shape, before: datetime) -> rrule:
    """The same rule started at its last period boundary before ``before``, where that is exact.

    A rule without COUNT yields the same occurrences after ``before`` when its first
    day moves on by a whole number of its periods (times its INTERVAL): wall-clock
    days for DAILY, WEEKLY and HOURLY (which keeps the weekday and time of day the
    rule defaults to), whole years for MONTHLY and YEARLY (which keeps the day of the
    month and the month; not from 29 February).
    """
    start, interval, frequency = shape.start, shape.interval, shape.frequency
    if shape.counted or before <= start:
        return rule
    if frequency in ("DAILY", "WEEKLY", "HOURLY"):
        days = {"DAILY": interval, "WEEKLY": 7 * interval, "HOURLY": interval // math.gcd(interval, 24)}[frequency]
        steps = (before.replace(tzinfo=None) - start.replace(tzinfo=None)).days // days
        moved = start + timedelta(days=steps * days)  # wall-clock arithmetic: the zone stays
    elif frequency in ("MONTHLY", "YEARLY"):
        if (start.month, start.day) == (2, 29):
            return rule
        years = interval if frequency == "YEARLY" else interval // math.gcd(interval, 12)
        moved = start.replace(year=start.year + (before.year - start.year) // years * years)
        if moved > before:
            return rule
    else:  # pragma: no cover - _check_parts allows no other frequency
        return rule
    return rule.replace(dtstart=moved) if moved > start else rule


class _Occurrences:
    """Sorted occurrence starts of one rule, generated a year at a time on demand."""

    def __init__(self, rule: rrule, shape: _Shape, never: bool) -> None:
        self.rule = rule
        self.shape = shape
        self.never = never
        self.years: dict[int, list[datetime]] = {}
        # The rule ran out (COUNT, UNTIL, or nothing more matches) in this year: none after it.
        self.ended: int | None = None

    def year(self, year: int) -> list[datetime]:
        starts = self.years.get(year)
        if starts is None:
            ended = self.never or (self.ended is not None and year > self.ended)
            starts = [] if ended else self._generate(year)
            self.years[year] = starts
        return starts

    def _generate(self, year: int) -> list[datetime]:
        zone = self.shape.start.tzinfo  # the rule's own zone
        first, end = datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)
        # From a period boundary over a year earlier: the period that holds 1 January began before it.
        rule = _fast_forward(self.rule, self.shape, first - timedelta(days=400))
        starts: list[datetime] = []
        ran_out = True
        try:
            for walked, start in enumerate(rule, 1):
                # Half-open: an occurrence at midnight on 1 January belongs to one year only.
                if start >= end:
                    ran_out = False
                    break
                if start >= first:
                    starts.append(start)
                if len(starts) > MAX_OCCURRENCES_PER_YEAR:
                    raise RuleError(
                        f"the rule has more than {MAX_OCCURRENCES_PER_YEAR:,} occurrences in {year}; "
                        "maintenance windows are not that frequent"
                    )
                if walked > _WALK_BUDGET:
                    raise RuleError(
                        f"reaching {year} takes more than {_WALK_BUDGET:,} occurrences from the window's first day; "
                        "give it a later 'start' or drop COUNT"
                    )
        except RuleError:
            raise
        except (ValueError, IndexError, OverflowError) as error:
            raise RuleError(f"the rule cannot be evaluated in {year}: {error}") from None
        if ran_out and (self.ended is None or year < self.ended):
            self.ended = year  # walking on for later years would find nothing, slowly
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
    rule = _parse(rule_text, zone_key, start)
    return _Occurrences(rule, _Shape.of(rule_text, zone_key, start), _never_occurs(rule_text, zone_key, start))


def _occurrences_of(window: MaintenanceWindow) -> _Occurrences:
    """The window's occurrence cache; raises RuleError, as ``parse_rule`` does, for a bad rule."""
    return _occurrences(window.rrule, window.timezone.key, window.start or DEFAULT_START)


def check_rule(window: MaintenanceWindow, years: tuple[int, ...]) -> None:
    """Raise RuleError if the window's rule cannot be used: it does not parse, never occurs,
    or is too dense or too long a walk in any of ``years`` (checked as they would be used)."""
    occurrences = _occurrences_of(window)
    if occurrences.never:
        raise RuleError("no day ever matches this rule (e.g. BYMONTH=2;BYMONTHDAY=30): the window never opens")
    for year in years:
        occurrences.year(year)


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

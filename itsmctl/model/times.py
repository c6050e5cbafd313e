"""Timestamps: records carry ISO 8601 text with an offset; we compare aware datetimes."""

from __future__ import annotations

from datetime import UTC, date, datetime

# Records are about changes, incidents and freezes of IT services: a year outside this
# range is a typo (or a "forever" that no schedule can draw). Bounding the years keeps
# every moment plus any duration (at most ten years, see ``durations``) and every
# conversion between offsets inside what a datetime can hold (years 1 to 9999).
EARLIEST_YEAR = 1900
LATEST_YEAR = 2999


def check_year(value: date, text: str) -> None:
    """Raise ValueError when a date or date-time lies outside the years itsmctl takes."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"{text!r} is out of range: give a year from {EARLIEST_YEAR} to {LATEST_YEAR}")


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO 8601 date-time that must carry a UTC offset."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date-time; write e.g. 2026-12-01T22:00:00+01:00") from None
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset; add one, e.g. +01:00 or Z")
    check_year(value, text)
    return value


def parse_cli_time(text: str) -> datetime:
    """A time given on the command line: 'now', a date, or a date-time (UTC if no offset)."""
    if text == "now":
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date or date-time; write e.g. 2026-12-01 or 2026-12-01T22:00+01:00"
        ) from None
    check_year(value, text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")

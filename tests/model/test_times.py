"""Out-of-range durations and years are ValueErrors with a message (invalid-value findings), never OverflowError."""

from __future__ import annotations

from datetime import timedelta

import pytest

from itsmctl.model.durations import MAX_DURATION, parse_duration
from itsmctl.model.times import parse_cli_time, parse_timestamp


@pytest.mark.parametrize("text", ["99999999999h", "999999999d", "3661d", "523w", "1" * 5000 + "s", "3660d1s"])
def test_durations_longer_than_ten_years_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="longer than ten years"):
        parse_duration(text)


def test_durations_up_to_ten_years_are_read() -> None:
    assert parse_duration("3660d") == MAX_DURATION
    assert parse_duration("1h30m") == timedelta(minutes=90)


@pytest.mark.parametrize(
    "text",
    ["9999-12-31T23:00:00-01:00", "0001-01-01T00:00:00+01:00", "3000-01-01T00:00:00Z", "1899-12-31T23:59:59Z"],
)
def test_timestamps_outside_1900_to_2999_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="out of range: give a year from 1900 to 2999"):
        parse_timestamp(text)
    with pytest.raises(ValueError, match="out of range"):
        parse_cli_time(text)


def test_the_extreme_years_still_allow_arithmetic_with_the_longest_duration() -> None:
    latest = parse_timestamp("2999-12-31T23:59:59-12:00")
    earliest = parse_timestamp("1900-01-01T00:00:00+14:00")
    assert (latest + MAX_DURATION) > (earliest - MAX_DURATION)

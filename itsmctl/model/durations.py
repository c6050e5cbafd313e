"""Durations written as ``15m``, ``4h``, ``1h30m``, ``2d``, ``1w``."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"([0-9]+)([wdhms])")
_WHOLE = re.compile(r"^(?:[0-9]+[wdhms])+$")
_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
# No window, SLA target or change lasts longer. Bounding durations keeps every sum of a
# record's time and a duration inside what a datetime can hold (see ``times``).
MAX_DURATION = timedelta(days=3660)
MAX_DURATION_TEXT = "ten years (3660d)"


def parse_duration(text: str) -> timedelta:
    if not _WHOLE.match(text):
        raise ValueError(f"{text!r} is not a duration; write e.g. 15m, 4h, 1h30m or 2d")
    # Python refuses to convert very long digit strings; anything that long is out of range anyway.
    parts = _PART.findall(text)
    if any(len(amount) > 12 for amount, _ in parts):
        raise ValueError(f"{text[:20]}... is longer than {MAX_DURATION_TEXT}")
    seconds = sum(int(amount) * _SECONDS[unit] for amount, unit in parts)
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"{text!r} is longer than {MAX_DURATION_TEXT}")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """Inverse of parse_duration for whole minutes, e.g. ``1d2h30m``."""
    total = int(delta.total_seconds())
    if total == 0:
        return "0m"
    sign = "-" if total < 0 else ""
    total = abs(total)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, total = divmod(total, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return sign + "".join(parts)

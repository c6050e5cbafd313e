"""How much a change's plan actually says."""

from __future__ import annotations

import re

# Text that `itsmctl new change` writes into plans, and what people leave behind.
_PLACEHOLDER = re.compile(r"^\s*(?:(?:TODO|TBD|FIXME|N/?A)\b|-+\s*$|\.{3}\s*$)|<describe", re.IGNORECASE)


def is_placeholder(text: str) -> bool:
    return bool(_PLACEHOLDER.search(text))


def plan_quality(text: str, thin_below: int) -> str:
    """'missing', 'thin' or 'ok'."""
    stripped = (text or "").strip()
    if not stripped or is_placeholder(stripped):
        return "missing"
    if len(stripped) < thin_below:
        return "thin"
    return "ok"

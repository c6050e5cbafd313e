"""Small HTML pieces every page repeats, as Jinja filters.

Written in Python rather than as template macros: a macro call costs several
times a filter call, and a large catalog makes hundreds of thousands of them.
Every value is escaped here, so the result is safe Markup.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

_FOLDERS = {"service": "services", "ci": "cis", "team": "teams", "change": "changes"}


def ref_link(ref: str, root: str) -> Markup:
    """A link to the page of a record reference, or the reference as text when it has no page."""
    kind, _, name = ref.partition(":")
    folder = _FOLDERS.get(kind)
    if folder is None or not name:
        return escape(ref)
    return Markup('<a href="{}{}/{}.html">{}</a>').format(root, folder, name, ref)


def tier_badge(value: int | None) -> Markup:
    return Markup('<span class="tier t{0}">tier {0}</span>').format(value) if value else Markup("")


def risk_badge(risk: Any) -> Markup:
    return Markup('<span class="risk {0}" title="score {1}/100">{0}</span>').format(risk.level, risk.score)


def status_badge(value: str) -> Markup:
    return Markup('<span class="status s-{0}">{0}</span>').format(value)


FILTERS = {"ref_link": ref_link, "tier_badge": tier_badge, "risk_badge": risk_badge, "status_badge": status_badge}

"""Small HTML pieces every page repeats, as Jinja filters.

Written in Python rather than as template macros: a macro call costs several
times a filter call, and a large catalog makes hundreds of thousands of them.
Every value is escaped here with markupsafe's C ``escape`` (``Markup.format``
is a pure-Python formatter, slower still), so each result is safe Markup.
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
    return Markup(f'<a href="{escape(root)}{folder}/{escape(name)}.html">{escape(ref)}</a>')


def tier_badge(value: int | None) -> Markup:
    return Markup(f'<span class="tier t{escape(value)}">tier {escape(value)}</span>') if value else Markup("")


def risk_badge(risk: Any) -> Markup:
    level = escape(risk.level)
    return Markup(f'<span class="risk {level}" title="score {escape(risk.score)}/100">{level}</span>')


def status_badge(value: str) -> Markup:
    status = escape(value)
    return Markup(f'<span class="status s-{status}">{status}</span>')


_TABLE_HEAD = '<table class="list">\n<tr><th>change</th><th>window</th><th>type</th><th>status</th><th>risk</th></tr>\n'


def change_table(changes: list[Any], risks: dict[str, Any], root: str) -> Markup:
    """The table of changes on service and CI pages: window, type, status and risk of each."""
    rows = [_TABLE_HEAD]
    base = escape(root)
    for change in changes:
        name, window = escape(change.name), change.window
        when = (
            f"{window.start.strftime('%Y-%m-%d %H:%M')}<small> {window.start.strftime('%z')}</small>" if window else "–"
        )
        rows.append(
            f'<tr><td><a href="{base}changes/{name}.html">{name}</a><br><small>{escape(change.title)}</small></td>'
            f"<td>{when}</td><td>{escape(change.type)}</td><td>{status_badge(change.status)}</td>"
            f"<td>{risk_badge(risks[change.name])}</td></tr>\n"
        )
    rows.append("</table>")
    return Markup("".join(rows))


FILTERS = {
    "ref_link": ref_link,
    "tier_badge": tier_badge,
    "risk_badge": risk_badge,
    "status_badge": status_badge,
    "change_table": change_table,
}

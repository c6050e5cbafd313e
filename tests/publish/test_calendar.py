"""The calendar page is bounded: one record cannot make it, or the build, huge (issue 11 leftovers, item 3).

It drew one week per week of every freeze: a freeze to 2999 made about 50,000
week sections (11 MB of HTML per freeze, and as many seconds of build per ten
freezes). Freezes are now drawn week by week from the schedule's start (a week
back) to ``CALENDAR_WEEKS_AHEAD`` weeks ahead; a freeze that goes on after that
says until when. Changes later than that still get their week.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path

from itsmctl.load.records import load_sources
from itsmctl.publish.site import CALENDAR_WEEKS_AHEAD, calendar_view, collect
from itsmctl.risk.planning import Planning
from tests.conftest import change, service, team

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def freeze(name: str, start: str, end: str, scope: str = "{tiers: [3]}") -> str:
    return (
        f"apiVersion: itsm/v1\nkind: Freeze\nmetadata: {{name: {name}}}\nspec:\n  start: '{start}'\n  end: '{end}'\n"
        f"  reason: Frozen\n  scope: {scope}\n  allowedTypes: [emergency]\n"
    )


def _site(*documents: str):  # type: ignore[no-untyped-def]
    text = "\n---\n".join([team(), service("shop"), *documents])
    loaded = load_sources([("catalog/all.yaml", text.encode())], use_cache=False)
    assert [f for f in loaded.findings if f.severity.name == "ERROR"] == []
    return collect(loaded.catalog, Planning(loaded.catalog, now=NOW), now=NOW)


def test_a_freeze_to_2999_draws_a_bounded_calendar_and_says_it_goes_on() -> None:
    site = _site(freeze("forever", "2026-12-01T00:00:00Z", "2999-12-31T00:00:00Z"))
    view = calendar_view(site)
    assert len(view.weeks) <= CALENDAR_WEEKS_AHEAD + 2
    assert all(week["freezes"] for week in view.weeks)  # every week drawn is inside it
    assert [f.name for f in view.continuing] == ["forever"]
    assert view.until.year == 2027


def test_changes_after_the_range_keep_their_week_and_the_freezes_on_it() -> None:
    late = change("chg-late", "[service:shop]", "2031-06-03T22:00:00Z", "2031-06-03T23:00:00Z")
    soon = change("chg-soon", "[service:shop]", "2026-12-08T22:00:00Z", "2026-12-08T23:00:00Z")
    site = _site(late, soon, freeze("forever", "2026-12-01T00:00:00Z", "2999-12-31T00:00:00Z"))
    weeks = calendar_view(site).weeks
    shown = {item["change"].name: week for week in weeks for item in week["changes"]}
    assert set(shown) == {"chg-late", "chg-soon"}
    assert (shown["chg-late"]["year"], shown["chg-late"]["week"]) == (2031, 23)
    assert [f.name for f in shown["chg-late"]["freezes"]] == ["forever"]
    assert len(weeks) <= CALENDAR_WEEKS_AHEAD + 3


def test_short_freezes_are_drawn_week_by_week_as_before() -> None:
    site = _site(freeze("christmas", "2026-12-18T00:00:00+01:00", "2027-01-04T00:00:00+01:00"))
    view = calendar_view(site)
    assert [(w["year"], w["week"]) for w in view.weeks] == [(2026, 51), (2026, 52), (2026, 53)]
    assert view.continuing == []


def test_catalog_build_with_freezes_to_2999_is_quick_and_small(make_repo, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    freezes = [freeze(f"forever-{i}", "2026-01-01T00:00:00Z", "2999-12-31T00:00:00Z") for i in range(20)]
    root = make_repo({"catalog/all.yaml": "\n---\n".join([team(), service("shop"), *freezes])})
    started = time.monotonic()
    result = run_cli("-C", str(root), "catalog", "build", "--out", str(tmp_path / "site"), "--quiet")
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.stderr
    page = (tmp_path / "site" / "calendar.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<section class="week', page)) <= CALENDAR_WEEKS_AHEAD + 2
    assert len(page) < 2_000_000 and elapsed < 20
    assert "until 2999-12-31" in page

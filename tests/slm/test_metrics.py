"""DORA metrics and problem suggestions, hand-computed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from itsmctl.slm.metrics import compute_metrics
from itsmctl.slm.patterns import suggest_problems
from tests.conftest import GOLD_SLA, change, ci, load_text, service, team
from tests.slm.test_compliance import incident

PERIOD = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))


def _closed(name: str, status: str, target: str = "[service:shop]", day: int = 10) -> str:
    window = (f"2026-11-{day:02d}T22:00:00Z", f"2026-11-{day:02d}T23:00:00Z")
    return change(name, target, *window, status=status, extra="  outcome: {summary: done}\n")


def _catalog(*docs: str):  # type: ignore[no-untyped-def]
    loaded = load_text(
        team(),
        team("dba", "[dora]"),
        GOLD_SLA,
        ci("db").replace("team:ops", "team:dba"),
        service("shop", tier=2, depends="[ci:db]"),
        service("wiki", tier=4),
        *docs,
    )
    assert [f for f in loaded.findings if f.severity.name == "ERROR"] == []
    return loaded.catalog


def test_failure_rate_counts_failures_rollbacks_and_changes_that_caused_incidents() -> None:
    caused = incident("inc-1", "2026-11-12T10:00:00Z", "2026-11-12T10:30:00Z").replace(
        "status: resolved", "status: resolved\n  causedBy: change:c3"
    )
    other = incident("inc-2", "2026-11-20T10:00:00Z", "2026-11-20T11:30:00Z", svc="wiki")
    catalog = _catalog(
        _closed("c1", "failed"),
        _closed("c2", "rolled-back", "[ci:db]"),
        _closed("c3", "completed", day=11),
        _closed("c4", "completed", "[service:wiki]"),
        _closed("c5", "completed", day=2).replace("2026-11-02", "2026-10-02"),
        caused,
        other,
    )
    first = {"c1": datetime(2026, 11, 8, 23, tzinfo=UTC), "c4": datetime(2026, 11, 10, 11, tzinfo=UTC)}
    rows = {m.scope: m for m in compute_metrics(catalog, *PERIOD, first)}
    overall = rows["all"]
    # | closed in November | c1 c2 c3 c4 (c5 closed in October)       | 4 |
    # | failed             | c1 failed, c2 rolled back, c3 -> inc-1    | 3 |
    # | time to restore    | 30 and 90 minutes                         | 60 |
    # | lead time          | c1 48h, c4 12h                            | median 30h |
    assert (overall.changes, overall.failed, overall.failure_rate) == (4, 3, 0.75)
    assert overall.mean_time_to_restore == 60
    assert overall.median_lead_time == pytest.approx(30)
    assert (rows["service:shop"].changes, rows["service:shop"].failed) == (3, 3)  # c2 reaches shop through ci:db
    assert (rows["service:wiki"].changes, rows["service:wiki"].failed, rows["service:wiki"].incidents) == (1, 0, 1)
    assert rows["team:dba"].changes == 1  # c2, on the database the DBAs own


def test_problem_suggestions_group_similar_incidents_without_a_problem() -> None:
    def titled(name: str, title: str, day: int, svc: str = "shop") -> str:
        return incident(name, f"2026-11-{day:02d}T10:00:00Z", f"2026-11-{day:02d}T11:00:00Z", svc=svc).replace(
            f"title: Incident {name}", f"title: {title}"
        )

    catalog = _catalog(
        titled("i1", "Checkout timeouts from database connection pool exhaustion", 3),
        titled("i2", "Database connection pool exhausted, checkout timeouts again", 9),
        titled("i3", "CDN certificate expired", 10),
        titled("i4", "Connection pool exhaustion causing timeouts", 15, svc="wiki"),
    )
    (found,) = suggest_problems(catalog)
    assert found.on == "service:shop" and found.incidents == ("i1", "i2")
    assert {"checkout", "connection", "database", "pool", "timeouts"} <= set(found.shared_words)

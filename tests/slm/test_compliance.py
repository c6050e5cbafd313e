"""SLA arithmetic against hand-computed tables: exact to the minute."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from itsmctl.model.kinds import SupportHours
from itsmctl.slm.business_time import counted_seconds, merge
from itsmctl.slm.compliance import sla_report
from tests.conftest import load_text, service, team

BERLIN = ZoneInfo("Europe/Berlin")
NOV = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
OFFICE = SupportHours(frozenset(range(5)), 8 * 60, 18 * 60, BERLIN)

SLA_24X7 = """apiVersion: itsm/v1
kind: SLA
metadata: {name: gold}
spec:
  availability: 99.9
  supportHours: 24x7
  response: {P1: 15m, P2: 1h}
  resolution: {P1: 1h, P2: 2h}
"""
SLA_OFFICE = """apiVersion: itsm/v1
kind: SLA
metadata: {name: office}
spec:
  availability: 99.0
  supportHours: {days: [mon, tue, wed, thu, fri], start: "08:00", end: "18:00", timezone: Europe/Berlin}
  response: {P1: 15m, P2: 1h}
  resolution: {P1: 1h, P2: 2h}
"""


def incident(
    name: str,
    opened: str,
    resolved: str | None,
    kind: str = "outage",
    priority: str = "P2",
    svc: str = "shop",
    acknowledged: str | None = None,
) -> str:
    lines = [
        f"apiVersion: itsm/v1\nkind: Incident\nmetadata: {{name: {name}}}\nspec:",
        f"  title: Incident {name}\n  priority: {priority}\n  services: [service:{svc}]",
        f"  impact: {{kind: {kind}}}\n  opened: '{opened}'\n  status: {'resolved' if resolved else 'open'}",
    ]
    if acknowledged != "never":
        lines.append(f"  acknowledged: '{acknowledged or opened}'")
    if resolved:
        lines.append(f"  resolved: '{resolved}'")
    return "\n".join(lines) + "\n"


def _report(sla: str, *incidents: str, sla_name: str = "gold", now: datetime | None = None):  # type: ignore[no-untyped-def]
    shop = service("shop", tier=2).replace("sla: sla:gold", f"sla: sla:{sla_name}")
    loaded = load_text(team(), sla, shop, *incidents)
    assert [f for f in loaded.findings if f.severity.name == "ERROR"] == []
    (report,) = sla_report(loaded.catalog, *NOV, now=now or NOV[1])
    return report


def test_24x7_overlaps_count_once_and_period_boundaries_clip() -> None:
    report = _report(
        SLA_24X7,
        incident("a", "2026-11-04T10:00:00Z", "2026-11-04T11:00:00Z"),  # 60 min
        incident("b", "2026-11-04T11:30:00+01:00", "2026-11-04T12:30:00+01:00"),  # 10:30-11:30Z: +30 beyond a
        incident("c", "2026-11-10T10:00:00Z", "2026-11-10T12:00:00Z", kind="degraded"),  # not an outage
        incident("d", "2026-10-31T23:30:00Z", "2026-11-01T00:30:00Z"),  # 30 min fall in November
        incident("e", "2026-11-30T23:00:00Z", "2026-12-01T01:00:00Z"),  # 60 min fall in November
    )
    # | November minutes | 30 x 1440 = 43,200 |
    # | outage           | 90 + 30 + 60 = 180 |
    assert report.total_minutes == 43_200
    assert report.outage_minutes == 180
    assert report.availability == pytest.approx(100 * (43_200 - 180) / 43_200)
    assert not report.met
    assert report.allowed_minutes == pytest.approx(43.2)
    assert report.budget_left_minutes == pytest.approx(43.2 - 180)


def test_unresolved_outage_runs_to_the_end_of_the_period() -> None:
    report = _report(SLA_24X7, incident("open", "2026-11-30T22:00:00Z", None))
    assert report.outage_minutes == 120
    assert report.incidents[0].still_open and report.incidents[0].resolution_minutes == 120
    assert report.breaches == []  # 120 minutes against a 2h target: not over yet
    late = _report(SLA_24X7, incident("open", "2026-11-30T21:00:00Z", None))
    (breach,) = late.breaches
    assert (breach.measure, breach.still_open, breach.minutes, breach.missed_by) == ("resolution", True, 180, 60)


def test_response_and_resolution_breaches_say_how_much_they_missed_by() -> None:
    report = _report(
        SLA_24X7,
        incident(
            "slow", "2026-11-05T09:00:00Z", "2026-11-05T12:10:00Z", priority="P2", acknowledged="2026-11-05T10:25:00Z"
        ),
    )
    # | response   | 85 min  vs 60 min  | missed by 25  |
    # | resolution | 190 min vs 120 min | missed by 70  |
    assert [(b.measure, b.minutes, b.target_minutes, b.missed_by) for b in report.breaches] == [
        ("response", 85, 60, 25),
        ("resolution", 190, 120, 70),
    ]


def test_an_incident_nobody_acknowledged_breaches_its_response_target() -> None:
    report = _report(
        SLA_24X7,
        incident("waiting", "2026-11-30T22:00:00Z", None, priority="P1", acknowledged="never"),
        # Resolved without being acknowledged: resolving it answered it, 40 minutes in.
        incident("fixed", "2026-11-10T10:00:00Z", "2026-11-10T10:40:00Z", priority="P1", acknowledged="never"),
        incident("quick", "2026-11-12T10:00:00Z", "2026-11-12T10:10:00Z", priority="P1", acknowledged="never"),
    )
    # | waiting | response 120 min (to the period end) vs 15 | resolution 120 vs 60 | both still open |
    # | fixed   | response 40 vs 15                          | resolution 40 vs 60  |                 |
    # | quick   | response 10 vs 15                          | resolution 10 vs 60  | no breach       |
    assert [(b.incident, b.measure, b.minutes, b.missed_by, b.still_open) for b in report.breaches] == [
        ("fixed", "response", 40, 25, False),
        ("waiting", "response", 120, 105, True),
        ("waiting", "resolution", 120, 60, True),
    ]
    times = {t.incident: t for t in report.incidents}
    assert times["waiting"].response_minutes is None  # nobody has responded yet
    assert (times["fixed"].response_minutes, times["quick"].response_minutes) == (40, 10)


def test_running_clocks_stop_at_now_in_a_period_that_has_not_ended() -> None:
    now = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
    report = _report(
        SLA_24X7,
        incident("early", "2026-11-20T10:00:00Z", None, priority="P1", acknowledged="never"),
        now=now,
    )
    # 30 minutes so far: the response (15) is missed, the resolution (60) not yet, and only 30 minutes of outage.
    assert [(b.measure, b.minutes, b.still_open) for b in report.breaches] == [("response", 30, True)]
    assert report.outage_minutes == 30 and report.incidents[0].resolution_minutes == 30
    # Opened after now (a record written ahead of time): no clock has run.
    ahead = _report(SLA_24X7, incident("later", "2026-11-25T10:00:00Z", None, acknowledged="never"), now=now)
    assert ahead.breaches == [] and ahead.outage_minutes == 0


def test_support_hours_only_count_office_time() -> None:
    report = _report(
        SLA_OFFICE,
        # Friday 6 Nov 17:00 Berlin to Monday 9 Nov 09:30 Berlin.
        incident(
            "weekend",
            "2026-11-06T17:00:00+01:00",
            "2026-11-09T09:30:00+01:00",
            acknowledged="2026-11-09T08:20:00+01:00",
        ),
        sla_name="office",
    )
    # | office minutes in November | 21 weekdays x 600 = 12,600 |
    # | outage                     | Fri 17:00-18:00 (60) + Mon 08:00-09:30 (90) = 150 |
    # | response                   | Fri 17:00-18:00 (60) + Mon 08:00-08:20 (20) = 80 vs 60: missed by 20 |
    # | resolution                 | 150 vs 120: missed by 30 |
    assert report.total_minutes == 12_600
    assert report.outage_minutes == 150
    assert [(b.measure, b.minutes, b.missed_by) for b in report.breaches] == [
        ("response", 80, 20),
        ("resolution", 150, 30),
    ]


def test_support_hours_follow_local_time_across_dst() -> None:
    # Friday 23 Oct 2026 is summer time (08:00 Berlin = 06:00Z); Monday 26 Oct winter time (08:00 = 07:00Z).
    friday = counted_seconds(datetime(2026, 10, 23, 5, 0, tzinfo=UTC), datetime(2026, 10, 23, 7, 0, tzinfo=UTC), OFFICE)
    monday = counted_seconds(
        datetime(2026, 10, 26, 5, 0, tzinfo=UTC), datetime(2026, 10, 26, 7, 30, tzinfo=UTC), OFFICE
    )
    weekend = counted_seconds(
        datetime(2026, 10, 24, 0, 0, tzinfo=UTC), datetime(2026, 10, 26, 0, 0, tzinfo=UTC), OFFICE
    )
    assert (friday, monday, weekend) == (3600, 1800, 0)


def test_merge_joins_overlapping_and_touching_intervals() -> None:
    t = [datetime(2026, 11, 1, h, tzinfo=UTC) for h in range(8)]
    assert merge([(t[3], t[5]), (t[0], t[2]), (t[2], t[3]), (t[6], t[7]), (t[4], t[4])]) == [(t[0], t[5]), (t[6], t[7])]


def test_cli_report_json_and_csv(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    import json

    root = make_repo(
        {
            "catalog/all.yaml": "\n---\n".join([team(), SLA_24X7, service("shop", tier=2)]),
            "catalog/incidents/nov.yaml": incident("a", "2026-11-04T10:00:00Z", "2026-11-04T11:00:00Z"),
        }
    )
    result = run_cli("-C", str(root), "sla", "report", "--period", "2026-11", "--format", "json")
    assert result.exit_code == 0, result.stderr
    (shop,) = json.loads(result.stdout)["services"]
    assert shop["outageMinutes"] == 60 and shop["totalMinutes"] == 43_200 and shop["met"] is False
    csv_out = run_cli("-C", str(root), "sla", "report", "--period", "2026-11", "--format", "csv").stdout
    assert csv_out.splitlines()[1].startswith("shop,gold,99.9,")
    bad = run_cli("-C", str(root), "sla", "report", "--period", "2026-13")
    assert bad.exit_code == 2

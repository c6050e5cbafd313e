"""Risk scores: every factor explained, the arithmetic checkable by hand."""

from __future__ import annotations

import math

import pytest

from itsmctl.risk.planning import Planning
from itsmctl.risk.score import assess
from tests.conftest import GOLD_SLA, change, ci, load_text, service, team

START, END = "2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00"


def _assess(*docs: str, name: str = "chg-1"):  # type: ignore[no-untyped-def]
    loaded = load_text(team(), GOLD_SLA, *docs)
    errors = [f for f in loaded.findings if f.severity.name == "ERROR"]
    assert errors == []
    planning = Planning(loaded.catalog)
    return assess(loaded.catalog.changes[name], planning), planning


def _points(assessment, factor_id: str) -> float:  # type: ignore[no-untyped-def]
    return next(f.points for f in assessment.factors if f.id == factor_id)


def test_score_is_impact_times_likelihood_and_every_factor_has_a_reason() -> None:
    a, _ = _assess(ci("db"), service("shop", tier=1, depends="[ci:db]"), change("chg-1", "[ci:db]", START, END))
    assert a.score == round(max(1, a.impact_score) * max(1, a.likelihood_score))
    assert a.impact_score == pytest.approx(sum(f.points for f in a.impact))
    assert all(f.reason for f in a.factors)
    ids = {f.id for f in a.factors}
    assert {"impact.services", "impact.tier", "likelihood.type", "likelihood.rollback", "likelihood.history"} <= ids
    assert _points(a, "impact.services") == pytest.approx(round(math.log2(2), 2))
    assert _points(a, "impact.tier") == 3.0
    assert a.impact_class == 1 + int(a.impact_score // 2)


def test_tier_one_customer_facing_reach_raises_impact_over_a_leaf_change() -> None:
    docs = [ci("db"), service("shop", tier=1, depends="[ci:db]"), service("wiki", tier=4)]
    deep, _ = _assess(*docs, change("chg-1", "[ci:db]", START, END))
    leaf, _ = _assess(*docs, change("chg-1", "[service:wiki]", START, END))
    assert deep.impact_score > leaf.impact_score
    assert deep.score > leaf.score


@pytest.mark.parametrize("kind, points", [("standard", 0.0), ("normal", 2.0), ("emergency", 4.0)])
def test_change_type_sets_its_likelihood_points(kind: str, points: float) -> None:
    a, _ = _assess(service("wiki", tier=4), change("chg-1", "[service:wiki]", START, END, kind=kind))
    assert _points(a, "likelihood.type") == points


def test_missing_and_placeholder_plans_score_as_missing() -> None:
    doc = (
        "apiVersion: itsm/v1\nkind: Change\nmetadata: {name: chg-1}\nspec:\n  title: Patch the wiki\n  type: normal\n"
        f"  requester: alice\n  status: requested\n  targets: [service:wiki]\n  window: {{start: '{START}', end: '{END}'}}\n"
        "  rollbackPlan: TODO\n"
    )
    a, _ = _assess(service("wiki", tier=4), doc)
    assert _points(a, "likelihood.rollback") == 3.0
    assert _points(a, "likelihood.test") == 2.0


def test_worsening_a_factor_never_lowers_the_score() -> None:
    base = [ci("db"), service("shop", tier=1, depends="[ci:db]")]
    calm, _ = _assess(*base, change("chg-1", "[ci:db]", START, END, kind="standard"))
    urgent, _ = _assess(*base, change("chg-1", "[ci:db]", START, END, kind="emergency"))
    long_window, _ = _assess(*base, change("chg-1", "[ci:db]", START, "2026-12-09T10:00:00+01:00", kind="emergency"))
    assert calm.score <= urgent.score <= long_window.score


def test_history_decays_and_failures_raise_successes_lower() -> None:
    def past(name: str, status: str, end: str) -> str:
        return change(
            name,
            "[service:wiki]",
            end.replace("23:00", "22:00"),
            end,
            status=status,
            extra=f"  outcome: {{summary: done, actualEnd: '{end}'}}\n",
        )

    recent_failure, _ = _assess(
        service("wiki", tier=4),
        past("old-1", "failed", "2026-11-30T23:00:00+01:00"),
        change("chg-1", "[service:wiki]", START, END),
    )
    old_failure, _ = _assess(
        service("wiki", tier=4),
        past("old-1", "failed", "2024-11-30T23:00:00+01:00"),
        change("chg-1", "[service:wiki]", START, END),
    )
    successes, _ = _assess(
        service("wiki", tier=4),
        *[past(f"old-{i}", "completed", f"2026-11-{10 + i}T23:00:00+01:00") for i in range(10)],
        change("chg-1", "[service:wiki]", START, END),
    )
    recent = _points(recent_failure, "likelihood.history")
    old = _points(old_failure, "likelihood.history")
    assert recent == pytest.approx(2.0 * 0.5 ** (8 / 180) + 0, abs=0.01)
    assert 0 < old < recent  # two years of half-lives later, a failure weighs little
    assert _points(successes, "likelihood.history") < 0
    assert "10 completed" in next(f.reason for f in successes.factors if f.id == "likelihood.history")


def test_future_changes_are_not_history() -> None:
    later = change(
        "chg-later",
        "[service:wiki]",
        "2027-01-05T22:00:00+01:00",
        "2027-01-05T23:00:00+01:00",
        status="failed",
        extra="  outcome: {summary: broke}\n",
    )
    a, _ = _assess(service("wiki", tier=4), later, change("chg-1", "[service:wiki]", START, END))
    assert a.history == []


def test_policy_overrides_weights_and_thresholds() -> None:
    policy = (
        "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: tuning}\nspec:\n"
        "  riskWeights: {likelihood.type.normal: 7, level.critical: 101}\n"
    )
    a, planning = _assess(service("wiki", tier=4), policy, change("chg-1", "[service:wiki]", START, END))
    assert _points(a, "likelihood.type") == 7.0
    assert planning.weights.sources["likelihood.type.normal"] == "tuning"
    assert a.level != "critical"


def test_freeze_not_allowing_the_type_adds_points_and_names_the_freeze() -> None:
    freeze = (
        "apiVersion: itsm/v1\nkind: Freeze\nmetadata: {name: xmas}\nspec:\n"
        "  start: '2026-12-08T00:00:00Z'\n  end: '2026-12-10T00:00:00Z'\n  scope: {tiers: [1]}\n  allowedTypes: [emergency]\n"
    )
    docs = [ci("db"), service("shop", tier=1, depends="[ci:db]"), freeze]
    normal, _ = _assess(*docs, change("chg-1", "[ci:db]", START, END))
    emergency, _ = _assess(*docs, change("chg-1", "[ci:db]", START, END, kind="emergency"))
    assert _points(normal, "likelihood.freeze") == 3.0
    assert "xmas" in next(f.reason for f in normal.factors if f.id == "likelihood.freeze")
    assert "service:shop" in normal.freeze_hits[0].matched  # reached through the blast radius
    assert _points(emergency, "likelihood.freeze") == 1.0


def test_freeze_overlap_is_exact_across_time_zones() -> None:
    # Freeze ends 2026-12-08 00:00 in New York = 06:00 in Berlin.
    freeze = (
        "apiVersion: itsm/v1\nkind: Freeze\nmetadata: {name: ny}\nspec:\n"
        "  start: '2026-12-01T00:00:00-05:00'\n  end: '2026-12-08T00:00:00-05:00'\n"
    )
    inside = change("chg-1", "[service:wiki]", "2026-12-08T05:00:00+01:00", "2026-12-08T05:59:00+01:00")
    after = change("chg-1", "[service:wiki]", "2026-12-08T06:00:00+01:00", "2026-12-08T07:00:00+01:00")
    a, _ = _assess(service("wiki", tier=4), freeze, inside)
    b, _ = _assess(service("wiki", tier=4), freeze, after)
    assert [h.freeze.name for h in a.freeze_hits] == ["ny"]
    assert b.freeze_hits == []


def test_freeze_across_the_dst_change_uses_real_instants() -> None:
    # Europe/Berlin leaves summer time on 2026-10-25 at 03:00 CEST (01:00 UTC).
    freeze = (
        "apiVersion: itsm/v1\nkind: Freeze\nmetadata: {name: dst}\nspec:\n"
        "  start: '2026-10-25T02:30:00+02:00'\n  end: '2026-10-25T02:30:00+01:00'\n"
    )
    during = change("chg-1", "[service:wiki]", "2026-10-25T01:00:00Z", "2026-10-25T01:15:00Z")
    a, _ = _assess(service("wiki", tier=4), freeze, during)
    assert [h.freeze.name for h in a.freeze_hits] == ["dst"]


def test_conflicts_are_symmetric_and_explained() -> None:
    docs = [
        ci("db"),
        service("shop", tier=2, depends="[ci:db]"),
        change("chg-1", "[ci:db]", START, END),
        change("chg-2", "[service:shop]", START, END),
        change("chg-3", "[service:shop]", "2026-12-09T22:00:00+01:00", "2026-12-09T23:00:00+01:00"),
    ]
    one, planning = _assess(*docs)
    two = assess(planning.catalog.changes["chg-2"], planning)
    three = assess(planning.catalog.changes["chg-3"], planning)
    assert [c.other for c in one.conflicts] == ["chg-2"]
    assert [c.other for c in two.conflicts] == ["chg-1"]
    assert three.conflicts == []
    assert "depends on" in one.conflicts[0].reason
    assert _points(one, "likelihood.conflict") == 1.5

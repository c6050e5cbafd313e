"""Property 3: making one risk factor worse never lowers a change's risk score.

Each test takes a generated repository and one of its changes, makes one thing
worse (and nothing else), and scores every variant with the real loader,
``Planning`` and ``assess``. "Moving the window into a freeze" is tested as
adding a freeze over the window, which changes nothing else about the change
(moving it would also change its maintenance windows, overlaps and history).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from itsmctl.risk.planning import Planning
from itsmctl.risk.score import RiskAssessment, assess
from tests.property.harness import load_spec
from tests.property.strategies import (
    BASE,
    ROLLBACK_PLANS,
    SLOT,
    TEST_PLANS,
    TYPES,
    ChangeSpec,
    FreezeSpec,
    Interval,
    NodeSpec,
    RepoSpec,
    Stamp,
    repositories,
    stamps,
)

# Changes without a window are scored as of this moment (their history is what ended before it).
NOW = BASE + timedelta(days=30)
REPOS = repositories(min_changes=1, max_changes=6)


def _assess(repo: RepoSpec, name: str) -> RiskAssessment:
    loaded = load_spec(repo)
    return assess(loaded.catalog.changes[name], Planning(loaded.catalog, now=NOW))


def _points(assessment: RiskAssessment, factor: str) -> float:
    return sum(f.points for f in assessment.factors if f.id == factor)


def _scores(repo: RepoSpec, variants: list[ChangeSpec]) -> list[int]:
    return [_assess(repo.with_change(variant), variant.name).score for variant in variants]


def _pick(data: st.DataObject, repo: RepoSpec, with_window: bool = False) -> ChangeSpec:
    candidates = [c for c in repo.changes if c.window is not None or not with_window]
    assume(candidates)
    return data.draw(st.sampled_from(candidates), label="change")


@given(REPOS, st.data())
def test_riskier_change_type_never_lowers_the_score(repo: RepoSpec, data: st.DataObject) -> None:
    change = _pick(data, repo)
    scores = _scores(repo, [replace(change, type=kind) for kind in TYPES])  # standard, normal, emergency
    assert scores == sorted(scores)


@given(REPOS, st.data())
def test_thinner_or_missing_plans_never_lower_the_score(repo: RepoSpec, data: st.DataObject) -> None:
    change = _pick(data, repo)
    # Full, thin, missing: each a step worse than the one before.
    rollback = _scores(repo, [replace(change, rollback_plan=plan) for plan in reversed(ROLLBACK_PLANS)])
    assert rollback == sorted(rollback)
    tests = _scores(repo, [replace(change, test_plan=plan) for plan in reversed(TEST_PLANS)])
    assert tests == sorted(tests)


@given(REPOS, st.data())
def test_longer_window_never_lowers_the_score(repo: RepoSpec, data: st.DataObject) -> None:
    change = _pick(data, repo, with_window=True)
    assert change.window is not None
    variants = [change]
    for extra in data.draw(st.lists(st.integers(1, 16), min_size=1, max_size=3), label="extra slots"):
        end = variants[-1].window.end  # type: ignore[union-attr]
        later = Stamp(end.moment + SLOT * extra, end.zone, end.style)
        variants.append(replace(change, window=Interval(change.window.start, later)))
    scores = _scores(repo, variants)
    assert scores == sorted(scores)


@given(REPOS, st.data())
def test_a_failed_past_change_on_a_target_never_lowers_the_score(repo: RepoSpec, data: st.DataObject) -> None:
    change = _pick(data, repo)
    reference = change.window.start.moment if change.window is not None else NOW
    before = _assess(repo, change.name)
    worse = repo
    for index in range(data.draw(st.integers(1, 3), label="failures")):
        ended = reference - SLOT * data.draw(st.integers(0, 24 * 400), label="ended before")
        started = ended - SLOT * data.draw(st.integers(1, 8), label="length")
        done = Interval(data.draw(stamps(started)), data.draw(stamps(ended)))
        targets = data.draw(st.lists(st.sampled_from(change.target_refs), min_size=1, unique=True), label="targets")
        past = ChangeSpec(
            name=f"chg-past-{index}",
            type="normal",
            status=data.draw(st.sampled_from(("failed", "rolled-back")), label="outcome"),
            requester=change.requester,
            targets=tuple((ref, None) for ref in targets),
            window=done,
            outcome=done,
        )
        worse = replace(worse, changes=(*worse.changes, past))
        after = _assess(worse, change.name)
        assert after.score >= before.score
        assert _points(after, "likelihood.history") >= _points(before, "likelihood.history")
        before = after


@given(REPOS, st.data())
def test_a_freeze_over_the_window_never_lowers_the_score(repo: RepoSpec, data: st.DataObject) -> None:
    change = _pick(data, repo, with_window=True)
    assert change.window is not None
    window = change.window
    start = window.start.moment - SLOT * data.draw(st.integers(0, 8), label="lead")
    end = window.end.moment + SLOT * data.draw(st.integers(0, 8), label="tail")
    allowed = tuple(data.draw(st.lists(st.sampled_from(TYPES), unique=True, max_size=2), label="allowed"))
    freeze = FreezeSpec("freeze-new", Interval(data.draw(stamps(start)), data.draw(stamps(end))), allowed)
    before = _assess(repo, change.name)
    after = _assess(replace(repo, freezes=(*repo.freezes, freeze)), change.name)
    assert after.score >= before.score
    # The freeze covers everything: its points are the violation's when the type is not allowed.
    expected = 3.0 if change.type not in allowed else max(1.0, _points(before, "likelihood.freeze"))
    assert _points(after, "likelihood.freeze") == expected


@given(REPOS, st.data())
def test_a_new_dependent_service_never_lowers_the_score(repo: RepoSpec, data: st.DataObject) -> None:
    change = _pick(data, repo)
    target = data.draw(st.sampled_from(change.target_refs), label="depends on")
    tier = data.draw(st.integers(1, 4), label="tier")
    dependent = NodeSpec("service", "svc-new", "team:ops", (target,), tier=tier, sla="sla:gold" if tier <= 2 else None)
    before = _assess(repo, change.name)
    after = _assess(replace(repo, nodes=(*repo.nodes, dependent)), change.name)
    assert after.impact_score >= before.impact_score
    assert after.score >= before.score


@given(REPOS, st.data())
def test_an_overlapping_change_on_a_target_never_lowers_the_score(repo: RepoSpec, data: st.DataObject) -> None:
    change = _pick(data, repo, with_window=True)
    assert change.window is not None
    target = data.draw(st.sampled_from(change.target_refs), label="shared target")
    other = ChangeSpec(
        name="chg-overlap",
        type="normal",
        status=data.draw(st.sampled_from(("requested", "scheduled")), label="status"),
        requester=change.requester,
        targets=((target, None),),
        window=change.window,
    )
    before = _assess(repo, change.name)
    after = _assess(replace(repo, changes=(*repo.changes, other)), change.name)
    assert _points(after, "likelihood.conflict") >= _points(before, "likelihood.conflict")
    assert after.score >= before.score

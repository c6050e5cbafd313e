"""Property 4: schedule conflicts are symmetric, and every code path finds the same ones.

The sweep over the schedule (``Planning.conflicts``), the linear scan for one
change (``conflicts_among``), the audit's replay (``LiveCatalog``, which only
looks at changes near in time), the schedule's overlap issues and validate's
``schedule-conflict`` findings must all name the pairs that the reference
(overlap in time, and a shared target or a target in the other's blast radius,
computed with networkx) names.
"""

from __future__ import annotations

from hypothesis import given

from itsmctl.audit.live import LiveCatalog, parse_blob
from itsmctl.risk.planning import Planning
from itsmctl.risk.schedule import build_schedule
from itsmctl.validation import check_loaded
from tests.property.harness import load_spec
from tests.property.reference import expected_conflicts
from tests.property.strategies import RepoSpec, repositories

# Windows start within a day of each other and most changes hold a slot, so many of them overlap.
BUSY = repositories(
    max_nodes=8,
    min_changes=2,
    max_changes=10,
    max_freezes=0,
    last=24,
    statuses=("requested", "approved", "scheduled", "in-progress", "draft", "completed"),
)


@given(BUSY)
def test_conflicts_are_symmetric_and_match_the_reference(repo: RepoSpec) -> None:
    loaded = load_spec(repo)
    changes = list(loaded.catalog.changes.values())
    planning = Planning(loaded.catalog)
    found = {(c.change, c.other) for change in changes for c in planning.conflicts(change)}
    assert found == {(other, change) for change, other in found}
    assert found == expected_conflicts(repo)
    for change in changes:
        assert all(c.change == change.name for c in planning.conflicts(change))

    scanned = Planning(loaded.catalog)
    assert {(c.change, c.other) for change in changes for c in scanned.conflicts_among(change, changes)} == found

    pairs = {frozenset(pair) for pair in found}
    issues = build_schedule(planning, None, None).issues
    assert {frozenset(issue.changes) for issue in issues if issue.kind == "overlap"} == pairs
    findings = check_loaded(loaded).findings
    reported = {(f.location.path, f.details["other"]) for f in findings if f.rule == "schedule-conflict"}
    paths = {change.name: change.record.path for change in changes}
    assert reported == {(paths[change], other) for change, other in found}


@given(BUSY)
def test_the_audit_replay_finds_the_same_conflicts(repo: RepoSpec) -> None:
    live = LiveCatalog()
    for path, data in repo.sources():
        live.replace(path, parse_blob(path, data))
    found = {
        (c.change, c.other) for change in live.catalog.changes.values() for c in live.planning(change).conflicts(change)
    }
    assert found == expected_conflicts(repo)

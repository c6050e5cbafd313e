"""The base branch's reading of a pull request's changes, and how the stricter one is chosen."""

from __future__ import annotations

from itsmctl.flow.approvals import RiskBasis, stricter_approvals
from itsmctl.flow.baseline import BASE, HEAD, assess_on_both, base_planning, risk_bases, stricter, with_maxima
from itsmctl.risk.planning import Planning
from tests.conftest import GOLD_SLA, change, ci, load_text, service, team

WINDOW = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")
SRE = """apiVersion: itsm/v1
kind: Policy
metadata: {name: change-management}
spec:
  approvals:
    - {id: sre-for-risk, when: "risk.score >= 20", require: [{team: team:sre}]}
    - {id: owners, require: [{owners: true}]}
"""


def _catalog(tier: int, owner: str = "team:ops"):  # type: ignore[no-untyped-def]
    chg = change("chg-1", "[service:shop]", *WINDOW, kind="emergency")
    shop = service("shop", tier=tier, depends="[ci:db]").replace("team:ops", owner)
    return load_text(team("ops"), team("data", "[dan]"), GOLD_SLA, ci("db"), shop, SRE, chg).catalog


def test_the_base_planning_shares_the_head_graph_only_when_no_service_or_ci_differs() -> None:
    head = Planning(_catalog(4))
    trusted = _catalog(1)
    assert base_planning(trusted, head, {"Change", "Policy"}).graph is head.graph
    rebuilt = base_planning(trusted, head, {"Change", "Service"})
    assert rebuilt.graph is not head.graph
    assert rebuilt.graph.nodes["service:shop"].tier == 1


def test_both_readings_and_the_stricter_one() -> None:
    head_catalog, trusted = _catalog(4), _catalog(1)
    head = Planning(head_catalog)
    risks = assess_on_both(head_catalog.changes["chg-1"], head, base_planning(trusted, head, {"Service"}))
    assert [r.catalog for r in risks] == [HEAD, BASE]
    assert risks[0].assessment.score < 20 <= risks[1].assessment.score
    assert stricter(risks).catalog == BASE
    # A tie keeps the head's: nothing to explain.
    assert stricter((risks[0], risks[0])) is risks[0]


def test_risk_bases_add_the_maxima_together_only_when_no_reading_has_both() -> None:
    head_catalog, trusted = _catalog(4), _catalog(1)
    head = Planning(head_catalog)
    risks = assess_on_both(head_catalog.changes["chg-1"], head, base_planning(trusted, head, {"Service"}))
    assert [b.source for b in risk_bases(risks)] == ["the head catalog", "the base catalog"]


def test_stricter_approvals_union_of_readings_and_owners_with_reasons() -> None:
    head_catalog, trusted = _catalog(4, owner="team:data"), _catalog(1)
    chg = head_catalog.changes["chg-1"]
    policies = list(trusted.policies.values())
    bases = [RiskBasis("low", 4, "the head catalog"), RiskBasis("medium", 28, "the base catalog")]
    needs = {n.team: n for n in stricter_approvals(chg, policies, (trusted.owner_of, head_catalog.owner_of), bases)}
    assert set(needs) == {"team:sre", "team:ops", "team:data"}
    assert needs["team:sre"].reason == "risk from the base catalog: medium (28)"
    assert needs["team:ops"].reason == ""  # `owners` applies on every reading
    # The head's reading alone, as before: no SRE, only the head's owner.
    alone = stricter_approvals(chg, policies, (head_catalog.owner_of,), bases[:1])
    assert [n.team for n in alone] == ["team:data"]


def test_mixed_maxima_are_a_reading_of_their_own() -> None:
    # Different weights on each side: one reading has the higher level, the other the higher score.
    bases = with_maxima([RiskBasis("high", 25, "x"), RiskBasis("medium", 30, "y")])
    assert [(b.level, b.score) for b in bases] == [("high", 25), ("medium", 30), ("high", 30)]
    assert len(with_maxima([RiskBasis("low", 4, "x"), RiskBasis("medium", 28, "y")])) == 2

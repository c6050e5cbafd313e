"""`gate`: open only for an authorised change whose window holds the deploy, outside forbidding freezes."""

from __future__ import annotations

import json

import pytest

from itsmctl.flow.gate import decide
from itsmctl.model.times import parse_cli_time
from tests.conftest import GOLD_SLA, change, ci, load_text, service, team

CI_PROD = """apiVersion: itsm/v1
kind: ConfigurationItem
metadata: {name: web-prod}
spec: {type: host, owner: team:ops, environment: production}
"""
CI_STAGING = CI_PROD.replace("web-prod", "web-staging").replace("production", "staging")
FREEZE = """apiVersion: itsm/v1
kind: Freeze
metadata: {name: xmas}
spec:
  start: '2026-12-20T00:00:00+01:00'
  end: '2026-12-27T00:00:00+01:00'
  allowedTypes: [emergency]
"""
SHOP = service("shop", tier=2, depends="[ci:web-prod, ci:web-staging]")


def _decide(*docs: str, at: str, ci: str | None = None, env: str | None = None):  # type: ignore[no-untyped-def]
    loaded = load_text(team(), GOLD_SLA, CI_PROD, CI_STAGING, SHOP, FREEZE, *docs)
    return decide(loaded.catalog, "shop", ci, env, parse_cli_time(at))


def test_open_inside_the_window_of_an_approved_change() -> None:
    decision = _decide(
        change("chg-1", "[service:shop]", "2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00", status="approved"),
        at="2026-12-08T22:30:00+01:00",
    )
    assert decision.open and decision.change == "chg-1"


@pytest.mark.parametrize(
    "at, reason",
    [("2026-12-08T21:59:59+01:00", "window starts"), ("2026-12-08T23:00:00+01:00", "window ended")],
)
def test_closed_outside_the_window(at: str, reason: str) -> None:
    decision = _decide(
        change("chg-1", "[service:shop]", "2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00", status="scheduled"),
        at=at,
    )
    assert not decision.open
    assert reason in decision.candidates[0].reason


@pytest.mark.parametrize("status", ["draft", "requested", "completed", "cancelled"])
def test_closed_for_changes_that_are_not_authorised(status: str) -> None:
    extra = "  outcome: {summary: done}\n" if status == "completed" else ""
    decision = _decide(
        change(
            "chg-1",
            "[service:shop]",
            "2026-12-08T22:00:00+01:00",
            "2026-12-08T23:00:00+01:00",
            status=status,
            extra=extra,
        ),
        at="2026-12-08T22:30:00+01:00",
    )
    assert not decision.open
    assert f"is {status}" in decision.candidates[0].reason


def test_freeze_closes_the_gate_except_for_emergencies() -> None:
    window = ("2026-12-21T22:00:00+01:00", "2026-12-21T23:00:00+01:00")
    normal = _decide(change("chg-1", "[service:shop]", *window, status="approved"), at="2026-12-21T22:30:00+01:00")
    assert not normal.open and "freeze 'xmas'" in normal.candidates[0].reason
    emergency = _decide(
        change("chg-1", "[service:shop]", *window, status="in-progress", kind="emergency"),
        at="2026-12-21T22:30:00+01:00",
    )
    assert emergency.open


def test_change_to_the_ci_opens_a_deploy_to_that_ci_and_environment_must_match() -> None:
    docs = [
        change("chg-1", "[ci:web-prod]", "2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00", status="approved")
    ]
    assert _decide(*docs, at="2026-12-08T22:30:00+01:00", ci="web-prod").open
    assert not _decide(*docs, at="2026-12-08T22:30:00+01:00").open  # the service itself is not targeted
    wrong_env = _decide(*docs, at="2026-12-08T22:30:00+01:00", ci="web-prod", env="staging")
    assert not wrong_env.open and "is in production, not staging" in wrong_env.problems[0]


def test_changes_to_other_services_are_ignored() -> None:
    other = service("wiki", tier=4)
    decision = _decide(
        other,
        change("chg-1", "[service:wiki]", "2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00", status="approved"),
        at="2026-12-08T22:30:00+01:00",
    )
    assert not decision.open and decision.candidates == []


def test_cli_exit_codes_and_json(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(
        {
            "catalog/all.yaml": "\n---\n".join([team(), GOLD_SLA, CI_PROD, CI_STAGING, SHOP, FREEZE]),
            "changes/chg-1.yaml": change(
                "chg-1", "[service:shop]", "2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00", status="approved"
            ),
        }
    )
    opened = run_cli("-C", str(root), "gate", "--service", "shop", "--at", "2026-12-08T21:30:00Z", "--format", "json")
    assert opened.exit_code == 0
    assert json.loads(opened.stdout)["change"] == "chg-1"
    closed = run_cli("-C", str(root), "gate", "--service", "shop", "--at", "2026-12-09T21:30:00Z")
    assert closed.exit_code == 1 and "gate CLOSED" in closed.stdout and "window ended" in closed.stdout
    unknown = run_cli("-C", str(root), "gate", "--service", "nope")
    assert unknown.exit_code == 1 and "no service 'nope'" in unknown.stdout
    bad_time = run_cli("-C", str(root), "gate", "--service", "shop", "--at", "tomorrow")
    assert bad_time.exit_code == 2 and "not a date" in bad_time.stderr


# --- which changes cover a deploy onto a CI, and freezes on the deploy itself ----------------------------

DEC_8 = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")
DEC_8_AT = "2026-12-08T22:30:00+01:00"


def _freeze(scope: str, allowed: str = "[]") -> str:
    return (
        "apiVersion: itsm/v1\nkind: Freeze\nmetadata: {name: shop-freeze}\nspec:\n"
        "  start: '2026-12-01T00:00:00Z'\n  end: '2026-12-31T00:00:00Z'\n"
        f"  scope: {scope}\n  allowedTypes: {allowed}\n"
    )


def _shop_on_db(*docs: str, targets: str, ci_name: str | None, kind: str = "normal"):  # type: ignore[no-untyped-def]
    """shop (tier 2, label zone: eu) runs on ci:db (3 replicas, 2 needed), which runs on ci:k8s; ci:spare is
    unrelated; the tier 1 storefront depends on shop. chg-1 (approved, ``targets``) holds the deploy's moment."""
    catalog = [
        team(),
        GOLD_SLA,
        ci("k8s"),
        ci("db", depends="[ci:k8s]", extra="  redundancy: {replicas: 3, minAvailable: 2}\n"),
        ci("spare"),
        service("shop", tier=2, depends="[ci:db]").replace("{name: shop}", "{name: shop, labels: {zone: eu}}"),
        service("storefront", tier=1, depends="[service:shop]"),
    ]
    loaded = load_text(*catalog, change("chg-1", targets, *DEC_8, status="approved", kind=kind), *docs)
    assert [f for f in loaded.findings if f.severity.name == "ERROR"] == [], loaded.findings
    return decide(loaded.catalog, "shop", ci_name, None, parse_cli_time(DEC_8_AT))


@pytest.mark.parametrize(
    "targets, ci_name",
    [
        ("[service:shop]", None),
        ("[service:shop]", "db"),  # shop runs on ci:db
        ("[service:shop]", "k8s"),  # ... and, through ci:db, on ci:k8s
        ("[ci:db]", "db"),
        ("[ci:k8s]", "k8s"),
        ("[service:shop, ci:spare]", "spare"),  # a change naming both covers a deploy the CMDB does not know yet
    ],
)
def test_a_change_covers_a_deploy_of_the_service_onto_a_ci_it_runs_on(targets: str, ci_name: str | None) -> None:
    decision = _shop_on_db(targets=targets, ci_name=ci_name)
    assert decision.open and decision.change == "chg-1", decision.candidates


@pytest.mark.parametrize(
    "targets, ci_name",
    [
        ("[ci:spare]", "spare"),  # a change to an unrelated host opens no deploy of shop onto it
        ("[service:shop]", "spare"),  # nor does a change to shop open a deploy onto a host shop does not run on
    ],
)
def test_a_change_does_not_cover_a_deploy_onto_a_ci_the_service_does_not_run_on(targets: str, ci_name: str) -> None:
    decision = _shop_on_db(targets=targets, ci_name=ci_name)
    assert not decision.open
    (candidate,) = decision.candidates
    assert "does not put service:shop on ci:spare" in candidate.reason and "targets both" in candidate.reason


@pytest.mark.parametrize(
    "scope, targets, ci_name, matched",
    [
        # Frozen service, deployed through a change to the CI whose redundancy absorbs it (radius empty).
        ("{services: [service:shop]}", "[{ref: ci:db, replicas: 1}]", "db", "service:shop"),
        # Frozen CI the deploy lands on; the change to shop does not reach down to its CIs.
        ("{cis: [ci:db]}", "[service:shop]", "db", "ci:db"),
        ("{cis: [ci:k8s]}", "[service:shop]", "k8s", "ci:k8s"),
        # Frozen by label or tier: shop itself, or the tier 1 storefront that depends on it.
        ("{labels: {zone: eu}}", "[{ref: ci:db, replicas: 1}]", "db", "service:shop"),
        ("{tiers: [1]}", "[{ref: ci:db, replicas: 1}]", "db", "service:storefront"),
    ],
)
def test_a_freeze_on_the_deploy_itself_keeps_the_gate_closed(
    scope: str, targets: str, ci_name: str, matched: str
) -> None:
    frozen = _shop_on_db(_freeze(scope), targets=targets, ci_name=ci_name)
    assert not frozen.open
    (candidate,) = frozen.candidates
    assert f"covers this deploy ({matched})" in candidate.reason and "shop-freeze" in candidate.reason
    # The freeze is the only thing in the way: without it the same deploy opens; with emergencies allowed,
    # an emergency change passes.
    assert _shop_on_db(targets=targets, ci_name=ci_name).open
    emergency = _shop_on_db(_freeze(scope, "[emergency]"), targets=targets, ci_name=ci_name, kind="emergency")
    assert emergency.open, emergency.candidates


def test_a_freeze_on_another_ci_of_the_service_does_not_close_a_deploy_elsewhere() -> None:
    # No false alarm: a frozen ci:spare says nothing about a deploy of shop onto ci:db.
    assert _shop_on_db(_freeze("{cis: [ci:spare]}"), targets="[service:shop]", ci_name="db").open

"""`gate`: open only for an authorised change whose window holds the deploy, outside forbidding freezes."""

from __future__ import annotations

import json

import pytest

from itsmctl.flow.gate import decide
from itsmctl.model.times import parse_cli_time
from tests.conftest import GOLD_SLA, change, load_text, service, team

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

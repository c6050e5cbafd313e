"""A valid record whose reference dangles is never counted silently on nothing (issue 11 leftovers, item 6).

An incident that names ``service:shpo`` is valid and loaded, but counts on no
service: ``sla report`` showed the shop at 100 % and exited 0 while ``validate``
flagged the reference. Every report that counts per service or team lists such a
record in its ``omitted`` list (rule ``dangling-reference``, the line of the
reference, a reason with a close name) and exits 1 unless ``--allow-invalid``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import GOLD_SLA, service, team

OUTAGE = """apiVersion: itsm/v1
kind: Incident
metadata: {name: inc-20261104-shop-down}
spec:
  title: Shop checkout returned errors after the release
  priority: P1
  services:
    - service:shpo
  impact: {kind: outage}
  opened: "2026-11-04T10:00:00Z"
  acknowledged: "2026-11-04T10:05:00Z"
  resolved: "2026-11-04T11:00:00Z"
  status: resolved
"""
REASON = "names service:shpo, which does not exist; did you mean service:shop?"


@pytest.fixture
def repo(make_repo) -> Path:  # type: ignore[no-untyped-def]
    return make_repo(  # type: ignore[no-any-return]
        {
            "catalog/base.yaml": "\n---\n".join([team(), GOLD_SLA, service("shop", tier=2)]),
            "catalog/incidents.yaml": OUTAGE,
        }
    )


def _entry(payload: dict) -> dict:  # type: ignore[type-arg]
    [entry] = payload["omitted"]
    return entry  # type: ignore[no-any-return]


EXPECTED = {
    "path": "catalog/incidents.yaml",
    "line": 8,  # the reference itself
    "kind": "Incident",
    "name": "inc-20261104-shop-down",
    "rule": "dangling-reference",
    "reason": REASON,
}


def test_sla_report_lists_an_outage_on_a_service_that_does_not_exist(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("-C", str(repo), "sla", "report", "--period", "2026-11", "--format", "json")
    assert result.exit_code == 1, result.stderr
    payload = json.loads(result.stdout)
    assert _entry(payload) == EXPECTED
    assert REASON in result.stderr and "catalog/incidents.yaml:8" in result.stderr
    allowed = run_cli("-C", str(repo), "sla", "report", "--period", "2026-11", "--allow-invalid")
    assert allowed.exit_code == 0 and REASON in allowed.stdout


def test_sla_report_lists_a_service_whose_sla_does_not_exist(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    cart = service("cart", tier=2).replace("sla: sla:gold", "sla: sla:gld")
    root = make_repo({"catalog/base.yaml": "\n---\n".join([team(), GOLD_SLA, service("shop", tier=2), cart])})
    result = run_cli("-C", str(root), "sla", "report", "--period", "2026-11", "--format", "json")
    assert result.exit_code == 1
    [entry] = json.loads(result.stdout)["omitted"]
    assert (entry["kind"], entry["name"], entry["rule"]) == ("Service", "cart", "dangling-reference")
    assert entry["reason"] == "names sla:gld, which does not exist; did you mean sla:gold?"


def test_an_incident_on_an_invalid_service_is_not_listed_twice(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    """The invalid service is listed (left out): what names it counts on nothing, and says nothing new."""
    pay = service("pay", tier=3).replace("tier: 3", "tier: 9")
    root = make_repo(
        {
            "catalog/base.yaml": "\n---\n".join([team(), GOLD_SLA, service("shop", tier=2), pay]),
            "catalog/incidents.yaml": OUTAGE.replace("service:shpo", "service:pay"),
        }
    )
    result = run_cli("-C", str(root), "sla", "report", "--period", "2026-11", "--format", "json")
    assert result.exit_code == 1
    assert [(e["kind"], e["name"]) for e in json.loads(result.stdout)["omitted"]] == [("Service", "pay")]


def test_metrics_lists_it(repo: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    args = ("-C", str(repo), "metrics", "--from", "2026-11-01", "--to", "2026-12-01", "--format", "json")
    result = run_cli(*args)
    assert result.exit_code == 1
    assert _entry(json.loads(result.stdout)) == EXPECTED
    assert run_cli(*args, "--allow-invalid").exit_code == 0


def test_metrics_lists_a_change_on_a_target_that_does_not_exist(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import change

    done = change("chg-1", "[service:shpo]", "2026-11-03T22:00:00Z", "2026-11-03T23:00:00Z", status="completed")
    root = make_repo(
        {"catalog/base.yaml": "\n---\n".join([team(), GOLD_SLA, service("shop", tier=2)]), "changes/c.yaml": done}
    )
    result = run_cli("-C", str(root), "metrics", "--from", "2026-11-01", "--to", "2026-12-01", "--format", "json")
    assert result.exit_code == 1
    [entry] = json.loads(result.stdout)["omitted"]
    assert (entry["kind"], entry["name"]) == ("Change", "chg-1")
    assert entry["reason"] == REASON


def test_problems_suggest_lists_an_incident_linked_to_a_problem_that_does_not_exist(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    first = OUTAGE.replace("service:shpo", "service:shop")
    second = first.replace("inc-20261104-shop-down", "inc-20261105-shop-down").replace("04T", "05T")
    linked = second.replace("  status: resolved\n", "  status: resolved\n  problem: problem:shop-errros\n")
    root = make_repo(
        {
            "catalog/base.yaml": "\n---\n".join([team(), GOLD_SLA, service("shop", tier=2)]),
            "catalog/incidents.yaml": first + "---\n" + linked,
        }
    )
    result = run_cli("-C", str(root), "problems", "suggest", "--format", "json")
    assert result.exit_code == 1
    [entry] = json.loads(result.stdout)["omitted"]
    assert entry["name"] == "inc-20261105-shop-down"
    assert entry["reason"] == "names problem:shop-errros, which does not exist"


def test_catalog_build_lists_it(repo: Path, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    result = run_cli("-C", str(repo), "catalog", "build", "--out", str(out), "--quiet")
    assert result.exit_code == 1 and REASON in result.stderr
    assert _entry(json.loads((out / "catalog.json").read_text(encoding="utf-8"))) == EXPECTED
    assert "service:shpo, which does not exist" in (out / "index.html").read_text(encoding="utf-8")


def test_a_repository_without_dangling_references_lists_nothing(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(
        {
            "catalog/base.yaml": "\n---\n".join([team(), GOLD_SLA, service("shop", tier=2)]),
            "catalog/incidents.yaml": OUTAGE.replace("service:shpo", "service:shop"),
        }
    )
    result = run_cli("-C", str(root), "sla", "report", "--period", "2026-11", "--format", "json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["omitted"] == [] and payload["services"][0]["outageMinutes"] == 60


FREEZE = """apiVersion: itsm/v1
kind: Freeze
metadata: {name: shop-launch}
spec:
  start: "2026-12-08T00:00:00+01:00"
  end: "2026-12-10T00:00:00+01:00"
  reason: Launch of the new shop
  scope:
    services: [service:shpo]
  allowedTypes: [emergency]
"""


def test_the_gate_stays_closed_when_a_freeze_names_a_service_that_does_not_exist(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    """A freeze meant for the shop, mistyped: it covers nothing, and the gate opened inside it."""
    from tests.conftest import change

    approved = change("chg-1", "[service:shop]", "2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")
    root = make_repo(
        {
            "catalog/base.yaml": "\n---\n".join([team(), GOLD_SLA, service("shop", tier=2), FREEZE]),
            "changes/chg-1.yaml": approved.replace("status: requested", "status: approved"),
        }
    )
    args = ("-C", str(root), "gate", "--service", "shop", "--at", "2026-12-08T21:30:00Z", "--format", "json")
    result = run_cli(*args)
    assert result.exit_code == 1, result.stdout
    payload = json.loads(result.stdout)
    assert payload["open"] is False
    assert any("names service:shpo, which does not exist" in problem for problem in payload["problems"])
    assert [entry["name"] for entry in payload["omitted"]] == ["shop-launch"]
    # Fixed, the same deploy is judged on its merits: the freeze now covers the shop and still refuses it.
    (root / "catalog" / "base.yaml").write_text(
        (root / "catalog" / "base.yaml").read_text(encoding="utf-8").replace("service:shpo", "service:shop")
    )
    fixed = json.loads(run_cli(*args).stdout)
    assert fixed["open"] is False and fixed["omitted"] == [] and "freeze 'shop-launch'" in json.dumps(fixed)


def test_risk_lists_a_change_whose_target_does_not_exist(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    """Its blast radius, and so its score, leave the missing target out."""
    from tests.conftest import change

    root = make_repo(
        {
            "catalog/base.yaml": "\n---\n".join([team(), GOLD_SLA, service("shop", tier=2)]),
            "changes/chg-1.yaml": change(
                "chg-1", "[service:shop, service:shpo]", "2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00"
            ),
        }
    )
    result = run_cli("-C", str(root), "risk", "chg-1", "--no-git-history", "--format", "json")
    assert result.exit_code == 1
    [entry] = json.loads(result.stdout)["omitted"]
    assert (entry["kind"], entry["name"], entry["reason"]) == ("Change", "chg-1", REASON)

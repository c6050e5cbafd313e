"""Red-team findings against `gate` (after issue 11): a deploy the gate lets through during a freeze."""

from __future__ import annotations

import json

import pytest

from tests.conftest import change, ci, service, team

FREEZE = """apiVersion: itsm/v1
kind: Freeze
metadata: {name: shop-freeze}
spec:
  start: "2026-12-01T00:00:00Z"
  end: "2026-12-31T00:00:00Z"
  reason: Peak trading for the shop
  scope: {services: [service:shop]}
  allowedTypes: []
"""
AT = "2026-12-08T22:30:00Z"


def _repo(make_repo, targets: str):  # type: ignore[no-untyped-def]
    return make_repo(
        {
            "catalog/teams.yaml": team(),
            # shop runs on ci:db; ci:spare is a host that has nothing to do with shop.
            "catalog/cmdb.yaml": ci("db") + "---\n" + ci("spare") + "---\n" + service("shop", depends="[ci:db]"),
            "catalog/freezes.yaml": FREEZE,
            "changes/chg-1.yaml": change(
                "chg-1", targets, "2026-12-08T22:00:00Z", "2026-12-08T23:00:00Z", status="approved"
            ),
        }
    )


def test_control_a_change_on_the_frozen_service_does_not_open_the_gate(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = _repo(make_repo, "[service:shop]")
    assert run_cli("-C", str(root), "gate", "--service", "shop", "--at", AT).exit_code == 1


def test_deploying_a_frozen_service_through_another_ci_keeps_the_gate_closed(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = _repo(make_repo, "[ci:spare]")
    assert run_cli("-C", str(root), "validate").exit_code == 0  # the change on ci:spare is fine on its own
    result = run_cli("-C", str(root), "gate", "--service", "shop", "--ci", "spare", "--at", AT, "--format", "json")
    payload = json.loads(result.stdout)
    # Observed: open, via chg-1 on ci:spare, while the freeze on service:shop is on.
    assert result.exit_code == 1, payload
    assert payload["open"] is False


def test_deploying_onto_a_frozen_ci_keeps_the_gate_closed(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = _repo(make_repo, "[service:shop]")
    (root / "catalog/freezes.yaml").write_text(FREEZE.replace("{services: [service:shop]}", "{cis: [ci:spare]}"))
    assert run_cli("-C", str(root), "gate", "--service", "shop", "--at", AT).exit_code == 0  # shop is not frozen
    result = run_cli("-C", str(root), "gate", "--service", "shop", "--ci", "spare", "--at", AT)
    assert result.exit_code == 1, result.stdout  # observed: OPEN onto the frozen ci:spare


# --- label values written the same way, read as different text ---------------------------------------


def _labelled(make_repo, service_value: str, freeze_value: str):  # type: ignore[no-untyped-def]
    root = _repo(make_repo, "[service:shop]")
    cmdb = (root / "catalog/cmdb.yaml").read_text()
    (root / "catalog/cmdb.yaml").write_text(
        cmdb.replace("metadata: {name: shop}", f"metadata: {{name: shop, labels: {{zone: {service_value}}}}}")
    )
    (root / "catalog/freezes.yaml").write_text(
        FREEZE.replace("{services: [service:shop]}", f"{{labels: {{zone: {freeze_value}}}}}")
    )
    return root


def test_control_a_label_written_alike_is_frozen(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    for written in ("99.95", "010", "1e3"):
        root = _labelled(make_repo, written, f"'{written}'")
        assert run_cli("-C", str(root), "gate", "--service", "shop", "--at", AT).exit_code == 1, written


@pytest.mark.parametrize("written", ["0x1F", "+1", ".5", "0.50", "-0"])
def test_a_freeze_covers_a_label_written_the_same_way(make_repo, run_cli, written: str) -> None:  # type: ignore[no-untyped-def]
    root = _labelled(make_repo, written, f"'{written}'")
    result = run_cli("-C", str(root), "gate", "--service", "shop", "--at", AT)
    assert result.exit_code == 1, result.stdout  # observed: OPEN inside the freeze

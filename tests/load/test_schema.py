"""Schema checks: a record the fast validator rejects always gets a finding that says why."""

from __future__ import annotations

import json

import pytest

from tests.conftest import team, write_files

SERVICE = """apiVersion: itsm/v1
kind: Service
metadata:
  name: shop
  labels: {{weight: {value}}}
spec: {{owner: team:ops, tier: 3, lifecycle: production, dependsOn: []}}
"""


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", ".NaN"])
def test_a_number_json_cannot_hold_is_a_finding_not_a_silently_dropped_record(tmp_path, run_cli, value) -> None:  # type: ignore[no-untyped-def]
    # jsonschema-rs rejects non-finite numbers, the explaining validator accepts them: the record was
    # left out of the catalog with no finding at all, and validate exited 0. The loader now refuses
    # them where they are written (no field of a record takes one), before any schema sees them.
    root = write_files(tmp_path / "repo", {"catalog/a.yaml": team() + "---\n" + SERVICE.format(value=value)})
    result = run_cli("validate", str(root), "--format", "json")
    assert result.exit_code == 1
    [finding] = [f for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"]
    assert finding["rule"] == "invalid-value" and finding["path"] == "catalog/a.yaml" and finding["line"] == 10
    assert value in finding["message"] and "not a finite number" in finding["message"]

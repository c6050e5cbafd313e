"""Issue 11 item 2: YAML 1.1 readings (`NO` -> false, `01` -> octal) must not bypass freezes or change values.

Through the real CLI on real files: `validate`, `gate`, and `plan` (which reads git blobs).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from tests.conftest import change, team
from tests.gitrepo import GitRepo

NORWAY_FREEZE = """apiVersion: itsm/v1
kind: Freeze
metadata: {name: norway}
spec:
  start: '2026-12-20T00:00:00+01:00'
  end: '2026-12-27T00:00:00+01:00'
  reason: Norwegian peak season
  scope: {labels: {country: 'NO'}}
"""
SERVICE = """apiVersion: itsm/v1
kind: Service
metadata:
  name: shop
  labels:
    country: NO
spec:
  owner: team:ops
  tier: 3
  lifecycle: production
"""
INSIDE = change("chg-1", "[service:shop]", "2026-12-21T22:00:00+01:00", "2026-12-21T23:00:00+01:00", status="approved")
AT = "2026-12-21T22:30:00+01:00"


def _files(service: str = SERVICE) -> dict[str, str]:
    return {
        "catalog/teams.yaml": team(),
        "catalog/services.yaml": service,
        "catalog/freezes.yaml": NORWAY_FREEZE,
        "changes/chg-1.yaml": INSIDE,
    }


def test_unquoted_label_no_is_covered_by_a_freeze_on_label_no(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(_files())
    validated = run_cli("validate", str(root), "--format", "json")
    found = [(f["rule"], f["path"]) for f in json.loads(validated.stdout)["findings"]]
    assert validated.exit_code == 1 and ("freeze-violation", "changes/chg-1.yaml") in found, found

    gate = run_cli("-C", str(root), "gate", "--service", "shop", "--at", AT)
    assert gate.exit_code == 1 and "gate CLOSED" in gate.stdout and "freeze 'norway'" in gate.stdout, gate.stdout
    # Outside the freeze the same change opens the gate: the freeze is what closed it.
    outside = _files()
    outside["changes/chg-1.yaml"] = INSIDE.replace("2026-12-21", "2026-12-28")
    assert (
        run_cli(
            "-C", str(make_repo(outside)), "gate", "--service", "shop", "--at", "2026-12-28T22:30:00+01:00"
        ).exit_code
        == 0
    )


def test_pull_request_inside_the_freeze_is_reported_by_plan_from_git_blobs(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path / "repo")
    base = _files()
    del base["changes/chg-1.yaml"]
    repo.commit("base", base)
    repo.branch("pr")
    repo.commit("add chg-1", {"changes/chg-1.yaml": INSIDE.replace("approved", "requested")})
    planned = run_cli("-C", str(repo.root), "plan", "--base", "main", "--head", "pr", "--format", "json")
    assert "freeze-violation" in planned.stdout and "norway" in planned.stdout, planned.stdout


def test_on_yes_label_is_the_text_yes_for_policies_and_cel(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    policy = textwrap.dedent(
        """\
        apiVersion: itsm/v1
        kind: Policy
        metadata: {name: paging}
        spec:
          rules:
            - id: paged-services-say-so
              severity: error
              match: {kinds: [Service], labels: {on: 'yes'}}
              assert: "metadata.labels.on == 'yes' && metadata.labels.country == 'NO'"
              message: matched, and the label reads as written
        """
    )
    service = SERVICE.replace("    country: NO\n", "    country: NO\n    on: yes\n")
    root = make_repo({**_files(service), "policies/paging.yaml": policy})
    result = run_cli("validate", str(root), "--format", "json")
    rules = [f["rule"] for f in json.loads(result.stdout)["findings"] if f["rule"] != "governance-owner"]
    # The rule matched the service (label on == 'yes') and its assertion held: no policy finding,
    # no policy-expression error; only the freeze finding remains.
    assert rules == ["freeze-violation"], rules
    broken = policy.replace("metadata.labels.on == 'yes'", "metadata.labels.on == true")
    root = make_repo({**_files(service), "policies/paging.yaml": broken})
    rules = [f["rule"] for f in json.loads(run_cli("validate", str(root), "--format", "json").stdout)["findings"]]
    assert "paging/paged-services-say-so" in rules, rules


def test_tier_with_a_leading_zero_is_a_finding_at_its_line(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(_files(SERVICE.replace("tier: 3", "tier: 01")))
    result = run_cli("validate", str(root), "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    tier = [f for f in findings if f["path"] == "catalog/services.yaml"]
    assert result.exit_code == 1 and [(f["rule"], f["line"]) for f in tier] == [("schema", 9)], tier
    assert "leading zero" in tier[0]["message"] and tier[0]["hint"] == "write 1"


def test_labels_written_alike_match_on_a_cold_and_a_warm_run(make_repo, run_cli, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A label is its text as written (``0x1F``, not 31) whether the records come from the file or the cache."""
    monkeypatch.setenv("ITSMCTL_CACHE_DIR", str(tmp_path / "cache"))
    service = SERVICE.replace("country: NO", "country: 0x1F\n    public: True")
    freeze = NORWAY_FREEZE.replace("{country: 'NO'}", "{country: '0x1F', public: 'True'}")
    root = make_repo({**_files(service), "catalog/freezes.yaml": freeze})
    for run in ("cold", "warm"):
        gate = run_cli("-C", str(root), "gate", "--service", "shop", "--at", AT)
        assert gate.exit_code == 1 and "freeze 'norway'" in gate.stdout, (run, gate.stdout)
        assert any((tmp_path / "cache").rglob("*")), "the second run reads the cache"


def test_a_number_where_text_is_wanted_says_how_it_was_written(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(_files(SERVICE.replace("  name: shop\n", "  name: shop\n  title: 1.10\n")))
    findings = json.loads(run_cli("validate", str(root), "--format", "json").stdout)["findings"]
    (title,) = [f for f in findings if f["path"] == "catalog/services.yaml"]
    assert (title["rule"], title["line"]) == ("schema", 5)
    assert "unquoted 1.10 as a number" in title["message"] and title["hint"].endswith("'1.10'")

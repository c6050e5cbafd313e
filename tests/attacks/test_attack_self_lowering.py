"""A pull request cannot lower its own bar by editing what its requirements are computed from.

Every input a pull request may edit and that feeds what the same pull request
needs is read from both the base branch and the head, and the stricter wins:
the CMDB (tiers, ``dependsOn``, redundancy, maintenance windows, owners), SLAs,
risk weights, freezes, policy rules, standard-change templates and the history
of past changes and incidents. Edits to owned records need their owners (on the
base branch) to approve, with or without a change in the pull request.

Real git repositories, the real CLI, and `review` through PyGithub against the
local GitHub emulator over HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.attacks.hostile import serve_github
from tests.conftest import GOLD_SLA, change, ci, service, team
from tests.github_emulator import GitHubEmulator
from tests.gitrepo import GitRepo

WINDOW = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")
SRE_POLICY = """apiVersion: itsm/v1
kind: Policy
metadata: {name: change-management}
spec:
  approvals:
    - id: sre-for-risk
      when: "risk.score >= 20"
      require: [{team: team:sre}]
"""
TEAMS = (
    team("ops", "[alice, bob, olivia]") + "---\n" + team("sre", "[sam, sue]") + "---\n" + team("data", "[dan, dora]")
)


def _cmdb(tier: int = 1, depends: str = "[ci:db]", db_extra: str = "") -> str:
    return ci("db", extra=db_extra) + "---\n" + service("shop", tier=tier, depends=depends)


def _emergency(targets: str = "[service:shop]", status: str = "requested", name: str = "chg-1") -> str:
    return change(name, targets, *WINDOW, status=status, kind="emergency")


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """main: ops owns a tier 1 shop on ci:db; the policy wants SRE when risk.score >= 20. Branch pr-7 is out."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "catalog",
        {
            "catalog/teams.yaml": TEAMS,
            "catalog/slas.yaml": GOLD_SLA,
            "catalog/cmdb.yaml": _cmdb(),
            "policies/change.yaml": SRE_POLICY,
        },
    )
    repo.branch("pr-7")
    return repo


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubEmulator]:
    yield from serve_github(monkeypatch)


def _on_main(repo: GitRepo, message: str, files: dict[str, str | None]) -> None:
    """Commit on main, as if merged before the pull request was opened, and rebase pr-7 onto it."""
    repo.checkout("main")
    repo.commit(message, files)
    repo.checkout("pr-7")
    repo.repo.git.rebase("main")


def _plan(run_cli, repo: GitRepo, *extra: str):  # type: ignore[no-untyped-def]
    return run_cli("-C", str(repo.root), "plan", "--base", "main", "--head", "pr-7", *extra)


def _plan_json(run_cli, repo: GitRepo) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return json.loads(_plan(run_cli, repo, "--format", "json").stdout)  # type: ignore[no-any-return]


def _review(run_cli, repo: GitRepo, github: GitHubEmulator, approvers: tuple[str, ...], author: str = "alice"):  # type: ignore[no-untyped-def]
    head = repo.repo.commit("pr-7").hexsha
    if 7 not in github.state.pulls:
        github.add_pull(7, author, head, repo.repo.commit("main").hexsha)
    github.state.pulls[7].head_sha = head
    github.state.pulls[7].reviews.clear()
    for login in approvers:
        github.review(7, login, "APPROVED", head)
    return run_cli("-C", str(repo.root), "review", "--pr", "7", "--format", "json")


def _needed_teams(payload: dict[str, Any]) -> set[str]:
    (item,) = payload["changes"]
    return {need["team"] for need in item["approvals"]["required"]}


# --- the risk of a change is the stricter of the base and the head catalog --------------------------

LOWERINGS = {
    "tier 1 -> 4": ("[service:shop]", {"catalog/cmdb.yaml": _cmdb(tier=4)}),
    "dependsOn removed": ("[ci:db]", {"catalog/cmdb.yaml": _cmdb(depends="[]")}),
}


def test_the_scenario_needs_sre_when_nothing_is_lowered(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    for targets in ("[service:shop]", "[ci:db]"):
        repo.commit("add change", {"changes/chg-1.yaml": _emergency(targets)})
        payload = _plan_json(run_cli, repo)
        assert payload["changes"][0]["risk"]["score"] >= 20
        assert _needed_teams(payload) == {"team:sre"}


@pytest.mark.parametrize("lowering", LOWERINGS)
def test_plan_keeps_the_sre_requirement_when_the_pr_lowers_its_own_risk(repo: GitRepo, run_cli, lowering: str) -> None:  # type: ignore[no-untyped-def]
    targets, edit = LOWERINGS[lowering]
    repo.commit("lower the risk and add a change", {**edit, "changes/chg-1.yaml": _emergency(targets)})
    payload = _plan_json(run_cli, repo)
    assert _needed_teams(payload) == {"team:sre"}
    (item,) = payload["changes"]
    assert item["riskByCatalog"]["head"]["score"] < 20 <= item["riskByCatalog"]["base"]["score"]
    assert item["riskFrom"] == "base"
    assert item["risk"]["level"] == "medium" and item["risk"]["score"] >= 20
    assert _needed_teams(payload) == {"team:sre"}
    text = _plan(run_cli, repo).stdout
    base = item["riskByCatalog"]["base"]
    assert f"risk from the base catalog: medium ({base['score']})" in text
    assert "needs 1 approval(s) from team:sre" in text


@pytest.mark.parametrize("lowering", LOWERINGS)
def test_review_fails_without_sre_when_the_pr_lowers_its_own_risk(  # type: ignore[no-untyped-def]
    repo: GitRepo, github: GitHubEmulator, run_cli, lowering: str
) -> None:
    targets, edit = LOWERINGS[lowering]
    _on_main(repo, "add change", {"changes/chg-1.yaml": _emergency(targets)})
    repo.commit("lower the risk, approve", {**edit, "changes/chg-1.yaml": _emergency(targets, status="approved")})
    without = _review(run_cli, repo, github, ("bob",))  # bob: ops, the owner of the edited CMDB record
    assert without.exit_code == 1, without.stdout
    assert "chg-1: 1 more from team:sre" in json.loads(without.stdout)["missing"]
    with_sre = _review(run_cli, repo, github, ("bob", "sam"))
    assert with_sre.exit_code == 0, with_sre.stdout


def test_risk_weights_added_by_the_pr_do_not_lower_its_own_risk(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    lenient = "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: lenient}\nspec:\n  riskWeights: {impact.tier.1: 0, likelihood.type.emergency: 0}\n"
    repo.commit("weights", {"policies/lenient.yaml": lenient, "changes/chg-1.yaml": _emergency()})
    payload = _plan_json(run_cli, repo)
    assert _needed_teams(payload) == {"team:sre"}
    assert payload["changes"][0]["riskByCatalog"]["head"]["score"] < 20


def _score(run_cli, repo: GitRepo) -> int:  # type: ignore[no-untyped-def]
    return _plan_json(run_cli, repo)["changes"][0]["risk"]["score"]  # type: ignore[no-any-return]


def test_an_sla_loosened_by_the_pr_does_not_lower_its_own_risk(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo.commit("change", {"changes/chg-1.yaml": _emergency()})
    honest = _score(run_cli, repo)
    # SLA 99.95% -> 90%: impact.sla falls from 1.5 to 0.5 points at the head.
    repo.commit("sla", {"catalog/slas.yaml": GOLD_SLA.replace("99.95", "90")})
    assert _score(run_cli, repo) == honest
    by_catalog = _plan_json(run_cli, repo)["changes"][0]["riskByCatalog"]
    assert by_catalog["head"]["score"] < by_catalog["base"]["score"] == honest


def test_a_maintenance_window_moved_by_the_pr_does_not_lower_its_own_risk(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    windows = "  maintenanceWindows:\n    - {rrule: 'FREQ=WEEKLY;BYDAY=%s;BYHOUR=21;BYMINUTE=0', duration: 4h, timezone: Europe/Berlin}\n"
    _on_main(repo, "a Monday window", {"catalog/cmdb.yaml": _cmdb(db_extra=windows % "MO")})
    # 2026-12-08 is a Tuesday: outside the window on the base branch.
    repo.commit("change", {"changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW)})
    honest = _score(run_cli, repo)
    repo.commit("move the window to Tuesday", {"catalog/cmdb.yaml": _cmdb(db_extra=windows % "TU")})
    assert _score(run_cli, repo) == honest
    factors = {f["id"]: f["points"] for f in _plan_json(run_cli, repo)["changes"][0]["risk"]["factors"]}
    assert factors["likelihood.maintenance"] > 0


def test_redundancy_added_by_the_pr_does_not_absorb_its_own_outage(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    redundant = "  redundancy: {replicas: 3, minAvailable: 2}\n"
    one_replica = change("chg-1", "[{ref: ci:db, replicas: 1}]", *WINDOW, kind="emergency")
    repo.commit("redundant", {"catalog/cmdb.yaml": _cmdb(db_extra=redundant), "changes/chg-1.yaml": one_replica})
    payload = _plan_json(run_cli, repo)
    assert _needed_teams(payload) >= {"team:sre"}
    assert payload["changes"][0]["riskByCatalog"]["head"]["score"] < 20


def test_history_deleted_by_the_pr_does_not_lower_its_own_risk(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    failed = change("chg-0", "[service:shop]", "2026-12-01T22:00:00+01:00", "2026-12-01T23:00:00+01:00", "failed")
    normal = change("chg-1", "[service:shop]", *WINDOW)  # a normal change: low risk without the failure
    _on_main(
        repo,
        "a failed change",
        {"changes/chg-0.yaml": failed.replace("  status: failed\n", "  status: failed\n  outcome: {summary: broke}\n")},
    )
    repo.commit("forget the failure", {"changes/chg-0.yaml": None, "changes/chg-1.yaml": normal})
    payload = _plan_json(run_cli, repo)
    assert _needed_teams(payload) >= {"team:sre"}
    by_catalog = payload["changes"][0]["riskByCatalog"]
    assert by_catalog["head"]["score"] < 20 <= by_catalog["base"]["score"]
    # ... and deleting the failed change needs the owner of what it changed.
    assert [(n["team"], n["records"]) for n in payload["recordOwners"]["required"]] == [("team:ops", ["change:chg-0"])]


def test_a_conflicting_change_deleted_by_the_pr_still_counts(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    other = change("chg-9", "[service:shop]", *WINDOW, status="approved", extra="  requester: bob\n").replace(
        "  requester: alice\n", ""
    )
    normal = change("chg-1", "[service:shop]", *WINDOW)
    _on_main(repo, "another change in the same window", {"changes/chg-9.yaml": other})
    repo.commit("cancel it by deletion", {"changes/chg-9.yaml": None, "changes/chg-1.yaml": normal})
    payload = _plan_json(run_cli, repo)
    (item,) = payload["changes"]
    assert [c["change"] for c in item["risk"]["conflicts"]] == ["chg-9"]
    assert item["riskByCatalog"]["head"]["score"] < item["riskByCatalog"]["base"]["score"]


# --- freezes, policy rules and templates the pull request weakens ---------------------------------

FREEZE = """apiVersion: itsm/v1
kind: Freeze
metadata: {name: december}
spec:
  start: "2026-12-01T00:00:00+01:00"
  end: "2026-12-31T00:00:00+01:00"
  reason: Peak trading
  allowedTypes: [emergency]
"""


def test_a_freeze_deleted_by_the_pr_still_stops_its_own_change(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    _on_main(repo, "freeze", {"catalog/freeze.yaml": FREEZE, "changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW)})
    repo.commit(
        "thaw and approve",
        {"catalog/freeze.yaml": None, "changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW, "approved")},
    )
    result = _plan(run_cli, repo, "--format", "json")
    assert result.exit_code == 1, result.stdout
    payload = json.loads(result.stdout)
    freeze = [f for f in payload["findings"] if f["rule"] == "freeze-violation"]
    assert [(f["severity"], f["path"], f["line"]) for f in freeze] == [("error", "changes/chg-1.yaml", 10)]
    assert "december" in freeze[0]["message"] and "base branch" in freeze[0]["message"]
    assert payload["changes"][0]["risk"]["freezes"] == [
        {"freeze": "december", "allowed": False, "matched": "everything"}
    ]


def test_a_policy_rule_deleted_by_the_pr_still_applies_to_its_own_records(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    rule = (
        "  rules:\n    - id: title-has-ticket\n      severity: error\n      match: {kinds: [Change]}\n"
        "      assert: \"spec.title.startsWith('OPS-')\"\n      message: the title names no ticket\n      field: spec.title\n"
    )
    _on_main(repo, "rule", {"policies/change.yaml": SRE_POLICY + rule})
    repo.commit("drop the rule, add a change", {"policies/change.yaml": SRE_POLICY, "changes/chg-1.yaml": _emergency()})
    result = _plan(run_cli, repo, "--format", "json")
    assert result.exit_code == 1, result.stdout
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["path"], f["line"]) for f in findings if f["severity"] == "error"] == [
        ("change-management/title-has-ticket", "changes/chg-1.yaml", 5)
    ]


TEMPLATE = """apiVersion: itsm/v1
kind: StandardChange
metadata: {name: db-patch}
spec:
  owner: team:data
  allowedTargets: {ciTypes: [database]}
  maxRisk: low
"""


def test_a_template_widened_by_the_pr_does_not_pre_approve_its_own_change(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    cab = SRE_POLICY + "    - id: cab\n      require: [{team: team:sre}]\n"
    _on_main(repo, "template", {"catalog/templates.yaml": TEMPLATE, "policies/change.yaml": cab})
    standard = change("chg-1", "[ci:db]", *WINDOW, kind="standard", extra="  template: standard:db-patch\n")
    widened = TEMPLATE.replace("ciTypes: [database]", "ciTypes: [database, host]")
    repo.commit("widen and use", {"catalog/templates.yaml": widened, "changes/chg-1.yaml": standard})
    payload = _plan_json(run_cli, repo)
    (item,) = payload["changes"]
    assert item["approvals"]["preApprovedBy"] is None
    assert _needed_teams(payload) == {"team:sre"}
    # ... and the edit to the template needs its owner.
    assert [n["team"] for n in payload["recordOwners"]["required"]] == ["team:data"]


# --- owners: of a change's targets from both catalogs, of every edited record from the base --------

OWNERS_POLICY = SRE_POLICY + "    - id: owners\n      require: [{owners: true}]\n"


def test_owners_of_a_target_added_in_the_same_pr_must_approve(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    _on_main(repo, "owners policy", {"policies/change.yaml": OWNERS_POLICY})
    cache = ci("cache").replace("owner: team:ops", "owner: team:data")
    repo.commit(
        "new CI and a change to it", {"catalog/cache.yaml": cache, "changes/chg-1.yaml": _emergency("[ci:cache]")}
    )
    assert _needed_teams(_plan_json(run_cli, repo)) == {"team:data"}


def test_an_owner_moved_by_the_pr_still_has_to_approve(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    _on_main(repo, "owners policy", {"policies/change.yaml": OWNERS_POLICY})
    moved = (
        ci("db").replace("owner: team:ops", "owner: team:data") + "---\n" + service("shop", tier=4, depends="[ci:db]")
    )
    repo.commit("give db away", {"catalog/cmdb.yaml": moved, "changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW)})
    payload = _plan_json(run_cli, repo)
    assert {"team:ops", "team:data"} <= _needed_teams(payload)


def test_an_edit_to_cmdb_records_alone_needs_their_owners(repo: GitRepo, github: GitHubEmulator, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo.commit("shop is not critical any more", {"catalog/cmdb.yaml": _cmdb(tier=4)})
    plan = _plan(run_cli, repo)
    assert "needs 1 approval(s) from team:ops" in plan.stdout
    assert "[record-owners]" in plan.stdout and "service:shop" in plan.stdout
    payload = _plan_json(run_cli, repo)
    (need,) = payload["recordOwners"]["required"]
    assert (need["requirement"], need["team"], need["count"], need["records"]) == (
        "record-owners",
        "team:ops",
        1,
        ["service:shop"],
    )
    github.state.bots.add("helper[bot]")
    # alice opened it, sam is not in ops, the bot never counts: nobody yet.
    result = _review(run_cli, repo, github, ("alice", "sam", "helper[bot]"))
    assert result.exit_code == 1, result.stdout
    review = json.loads(result.stdout)
    assert review["missing"] == ["edited records: 1 more from team:ops"]
    rejected = {r["identity"]: r["reason"] for r in review["recordOwners"]["received"][0]["rejected"]}
    assert rejected == {
        "alice": "opened the pull request (no self-approval)",
        "sam": "not a member of team:ops",
        "helper[bot]": "bots cannot approve",
    }
    assert _review(run_cli, repo, github, ("bob",)).exit_code == 0
    # An approval of an older head does not count once the pull request moves on.
    old = repo.repo.commit("pr-7").hexsha
    repo.commit("and tier 3 for the db host", {"catalog/cmdb.yaml": _cmdb(tier=3)})
    github.state.pulls[7].head_sha = repo.repo.commit("pr-7").hexsha
    github.state.pulls[7].reviews.clear()
    github.review(7, "bob", "APPROVED", old)
    stale = run_cli("-C", str(repo.root), "review", "--pr", "7")
    assert stale.exit_code == 1
    assert "approved an earlier commit" in stale.stdout


def test_the_requester_of_a_change_in_the_pr_cannot_approve_its_cmdb_edits(
    repo: GitRepo, github: GitHubEmulator, run_cli
) -> None:  # type: ignore[no-untyped-def]
    repo.commit("lower and add", {"catalog/cmdb.yaml": _cmdb(tier=4), "changes/chg-1.yaml": _emergency()})
    result = _review(run_cli, repo, github, ("alice", "sam"), author="olivia")
    assert result.exit_code == 1
    assert "edited records: 1 more from team:ops" in json.loads(result.stdout)["missing"]
    assert _review(run_cli, repo, github, ("bob", "sam"), author="olivia").exit_code == 0


def test_a_pr_adding_itself_to_a_team_needs_that_team(repo: GitRepo, github: GitHubEmulator, run_cli) -> None:  # type: ignore[no-untyped-def]
    joined = TEAMS.replace("[sam, sue]", "[sam, sue, mallory]")
    repo.commit("join sre", {"catalog/teams.yaml": joined})
    result = _review(run_cli, repo, github, ("alice",), author="mallory")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["missing"] == ["edited records: 1 more from team:sre"]
    assert _review(run_cli, repo, github, ("sue",), author="mallory").exit_code == 0


def test_removing_a_record_needs_its_owner(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo.commit("drop the db", {"catalog/cmdb.yaml": service("shop", tier=1, depends="[]")})
    required = _plan_json(run_cli, repo)["recordOwners"]["required"]
    assert [(n["team"], n["records"]) for n in required] == [("team:ops", ["ci:db", "service:shop"])]


def test_a_second_definition_of_a_record_in_a_new_file_needs_the_owner(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo.commit("shadow the shop", {"catalog/a-shop.yaml": service("shop", tier=4, depends="[]")})
    required = _plan_json(run_cli, repo)["recordOwners"]["required"]
    assert [(n["team"], n["records"]) for n in required] == [("team:ops", ["service:shop"])]


def test_an_sla_edit_needs_the_owners_of_the_services_that_use_it(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo.commit("looser sla", {"catalog/slas.yaml": GOLD_SLA.replace("99.95", "99.0")})
    required = _plan_json(run_cli, repo)["recordOwners"]["required"]
    assert [(n["team"], n["records"]) for n in required] == [("team:ops", ["sla:gold"])]


def test_a_moved_file_without_edits_needs_no_owner(repo: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo.mv("catalog/cmdb.yaml", "catalog/cmdb/all.yaml")
    repo.commit("move")
    payload = _plan_json(run_cli, repo)
    assert payload["recordOwners"]["required"] == []
    assert [r["action"] for r in payload["records"]] == ["modified", "modified"]

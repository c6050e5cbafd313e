"""Red-team findings against reports and record-writing commands (after issue 11): a report that leaves
out what it should show, an identity written two ways, and a command that writes a record it cannot read.
Expected to fail until fixed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.attacks.hostile import serve_github
from tests.conftest import GOLD_SLA, change, ci, service, team
from tests.github_emulator import GitHubEmulator
from tests.gitrepo import GitRepo

# --- sla report: a P1 that nobody acknowledged ------------------------------------------------------

UNACKNOWLEDGED = """apiVersion: itsm/v1
kind: Incident
metadata: {name: inc-1}
spec:
  title: Card payments fail for everyone
  priority: P1
  services: [service:shop]
  impact: {kind: degraded, customerFacing: true}
  opened: "2026-11-10T10:00:00+01:00"
  status: open
  summary: Nobody has picked it up yet.
"""


def test_an_unacknowledged_p1_is_a_response_breach(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(
        {
            "catalog/org.yaml": "\n---\n".join(
                [team(), GOLD_SLA, ci("db"), service("shop", tier=1, depends="[ci:db]")]
            ),
            "catalog/incidents.yaml": UNACKNOWLEDGED,
        }
    )
    result = run_cli("-C", str(root), "sla", "report", "--period", "2026-11", "--format", "json")
    assert result.exit_code == 0, result.stderr
    (shop,) = json.loads(result.stdout)["services"]
    measures = {(b["incident"], b["measure"]) for b in shop["breaches"]}
    assert ("inc-1", "resolution") in measures  # resolution: open for 20 days against 4h, reported
    # response: 15 minutes allowed, not acknowledged in 20 days; observed: responseMinutes null, no breach
    assert ("inc-1", "response") in measures


# --- new change: a title that becomes a record nobody can read ----------------------------------------


def test_new_change_writes_a_record_that_loads_whatever_the_title(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({"catalog/org.yaml": team() + "---\n" + ci("db")})
    result = run_cli(
        "-C", str(root), "new", "change", "--title", "Upgrade\x7f the database", "--target", "ci:db",
        "--requester", "alice", "--start", "2027-02-01T22:00:00+01:00",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    check = run_cli("-C", str(root), "validate", "--format", "json")
    rules = {f["rule"] for f in json.loads(check.stdout)["findings"]}
    assert "yaml-syntax" not in rules


# --- the requester written as an e-mail address where approvals are GitHub logins ----------------------


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubEmulator]:
    yield from serve_github(monkeypatch)


OWNERS_POLICY = """apiVersion: itsm/v1
kind: Policy
metadata: {name: change-management}
spec:
  approvals:
    - id: owners
      require: [{owners: true}]
"""


def test_a_requester_named_by_e_mail_cannot_approve_as_their_login(
    tmp_path: Path, github: GitHubEmulator, run_cli
) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path / "repo")
    mail = "requester: bob@acme.example"
    requested = change("chg-1", "[ci:db]", "2027-01-19T22:00:00+01:00", "2027-01-19T23:00:00+01:00")
    repo.commit(
        "import",
        {
            "catalog/org.yaml": team("ops", "[alice, bob]") + "---\n" + ci("db"),
            "policies/change.yaml": OWNERS_POLICY,
            "changes/chg-1.yaml": requested.replace("requester: alice", mail),
        },
    )
    repo.branch("approve")
    head = repo.commit(
        "approve",
        {
            "changes/chg-1.yaml": requested.replace("requester: alice", mail).replace(
                "status: requested", "status: approved"
            )
        },
    )
    github.add_pull(7, "erin", head, repo.repo.commit("main").hexsha)
    github.review(7, "bob", "APPROVED", head)  # bob, who asked for chg-1
    result = run_cli("-C", str(repo.root), "review", "--pr", "7", "--format", "json")
    assert result.exit_code == 1, result.stdout

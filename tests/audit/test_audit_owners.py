"""The audit asks, at every commit that edits owned records, for their owners' approval (follow-up 2).

``review`` and ``plan`` require the owners of edited records (``record-owners``);
the audit did not, so a merge that edited only CMDB records, a policy or a freeze
passed ``audit --fail-on-violation`` with nobody's approval. Now the audit counts
the owners' approvals from the evidence note (``evidence record`` writes them) or
the merge's trailers, with the same rules; a direct commit's one finding names them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from itsmctl.audit.walk import run_audit
from tests.audit.test_audit import History, _change
from tests.conftest import GOLD_SLA, ci, service, team
from tests.github_emulator import TOKEN, GitHubEmulator
from tests.gitrepo import GitRepo

OPS_APPROVES = "Approved-by: Olivia <olivia@acme.example>\n"


def _cmdb(tier: int = 2) -> str:
    return "\n---\n".join([GOLD_SLA, ci("db"), service("shop", tier=tier, depends="[ci:db]")])


@pytest.fixture
def history(tmp_path: Path) -> History:
    """History's ops team (owner of db and shop) gains olivia, in the initial import."""
    history = History(tmp_path / "repo")
    teams = team("ops", "[alice@acme.example, olivia@acme.example]") + "---\n"
    teams += team("cab", "[carol@acme.example, dave@acme.example, erin@acme.example]")
    history.repo.write({"catalog/teams.yaml": teams})
    history.repo.repo.git.commit("--amend", "--no-edit", "-q")
    return history


def _findings(history: History) -> list[tuple[str, str, str]]:
    return [(f.rule, str(f.severity), f.details.get("commit", "")) for f in run_audit(history.repo.repo).findings]


def test_a_merge_that_only_edits_cmdb_records_needs_their_owner(history: History) -> None:
    merge = history.merge({"catalog/cmdb.yaml": _cmdb(tier=4)})
    assert [(rule, commit) for rule, _, commit in _findings(history)] == [("missing-approval", merge)]
    # Its owner's trailer, on a merge someone else made: nothing to report.
    history.repo.repo.git.reset("--hard", "HEAD^1")
    history.merge({"catalog/cmdb.yaml": _cmdb(tier=4)}, OPS_APPROVES)
    assert _findings(history) == []


@pytest.mark.parametrize(
    ("author", "trailers", "expected"),
    [
        # alice (ops) wrote the edit: her own trailer is ignored, and nobody else approved.
        (
            "Alice <alice@acme.example>",
            "Approved-by: Alice <alice@acme.example>\n",
            ["missing-approval", "self-approval"],
        ),
        # carol is not in ops.
        ("Alice <alice@acme.example>", "Approved-by: Carol <carol@acme.example>\n", ["missing-approval"]),
        # olivia approved; alice's own approval is ignored, as review ignores it.
        ("Alice <alice@acme.example>", OPS_APPROVES + "Approved-by: Alice <alice@acme.example>\n", []),
        # olivia wrote the edit herself: alice approves.
        ("Olivia <olivia@acme.example>", "Approved-by: Alice <alice@acme.example>\n", []),
    ],
)
def test_the_owner_s_approval_is_counted_by_the_one_rule(
    history: History, author: str, trailers: str, expected: list[str]
) -> None:
    history.merge({"catalog/cmdb.yaml": _cmdb(tier=4)}, trailers, author=author)
    assert sorted(rule for rule, _, _ in _findings(history)) == expected


def test_the_requester_of_a_change_in_the_merge_cannot_approve_its_record_edits(history: History) -> None:
    change = _change("requested", name="chg-9").replace("alice@acme.example", "olivia@acme.example")
    history.merge({"catalog/cmdb.yaml": _cmdb(tier=4), "changes/chg-9.yaml": change}, OPS_APPROVES)
    findings = run_audit(history.repo.repo).findings
    assert sorted(f.rule for f in findings) == ["missing-approval", "self-approval"]
    own = next(f for f in findings if f.rule == "self-approval")
    assert "requested chg-9 in this pull request" in own.message


def test_removing_a_failed_change_needs_the_owners_of_its_targets(history: History) -> None:
    history.lifecycle(close="failed", close_extra="  outcome: {summary: broke}\n")
    merge = history.merge({"changes/chg-1.yaml": None})
    assert [(rule, commit) for rule, _, commit in _findings(history)] == [("missing-approval", merge)]
    finding = run_audit(history.repo.repo).findings[0]
    assert finding.details["records"] == ["change:chg-1"] and finding.location.path == "changes/chg-1.yaml"


def test_a_direct_commit_that_edits_owned_records_is_one_finding_naming_them(history: History) -> None:
    """A direct commit carries nobody's approval: its direct-commit finding names the records and owners."""
    sha = history.repo.commit("retier", {"catalog/cmdb.yaml": _cmdb(tier=4)}, author="Alice <alice@acme.example>")
    (finding,) = run_audit(history.repo.repo).findings
    assert (finding.rule, finding.details["commit"]) == ("direct-commit", sha)
    assert finding.details["owners"] == [{"team": "team:ops", "records": ["service:shop"]}]
    assert "without their owners' approval: service:shop (owned by team:ops)" in finding.message


def test_a_policy_or_freeze_with_an_owner_needs_it_in_the_audit_too(history: History) -> None:
    owned = "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: change-management}\nspec:\n  owner: team:cab\n"
    policy = owned + "  approvals:\n    - id: cab\n      require: [{team: team:cab, count: 2}]\n"
    history.merge({"policies/change.yaml": policy}, "Approved-by: Erin <erin@acme.example>\n")  # no owner yet
    assert _findings(history) == []
    merge = history.merge({"policies/change.yaml": owned})  # drops the CAB requirement
    assert [(rule, commit) for rule, _, commit in _findings(history)] == [("missing-approval", merge)]
    lenient = "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: lenient}\nspec:\n  riskWeights: {impact.tier.2: 0}\n"
    history.repo.repo.git.reset("--hard", "HEAD^1")
    merge = history.merge({"policies/lenient.yaml": lenient})  # a new policy needs the policies' owners
    (finding,) = run_audit(history.repo.repo).findings
    assert (finding.rule, finding.details["records"], finding.details["team"]) == (
        "missing-approval",
        ["policy:lenient"],
        "team:cab",
    )


# --- evidence notes: `evidence record` writes the owners' approvals, the audit counts them offline ----------


@pytest.fixture
def pull(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[GitRepo, GitHubEmulator, str]]:
    """Pull request #7 (by alice) lowers shop's tier: no change in it; merged. Ops is also GitHub team acme/ops."""
    with GitHubEmulator() as github:
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", github.url)
        monkeypatch.setenv("GITHUB_REPOSITORY", "acme/itsm")
        repo = GitRepo(tmp_path / "repo")
        ops = "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: ops}\nspec: {members: [alice, olivia], githubTeam: acme/ops}\n"
        writers = "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: evidence}\nspec:\n  evidence: {writers: [test@example.com]}\n"
        base = repo.commit(
            "import",
            {
                "catalog/all.yaml": "\n---\n".join([ops, team("cab", "[carol]"), _cmdb()]),
                "policies/evidence.yaml": writers,
            },
        )
        repo.branch("pr-7")
        head = repo.commit(
            "shop is tier 4", {"catalog/all.yaml": "\n---\n".join([ops, team("cab", "[carol]"), _cmdb(4)])}
        )
        repo.checkout("main")
        merge = repo.merge("pr-7", "Merge pull request #7 from acme/pr-7")
        github.add_pull(7, "alice", head, base).merge_commit = merge
        github.state.teams["acme/ops"] = {"alice", "olivia", "oscar"}
        yield repo, github, merge


def _record_and_audit(run_cli, repo: GitRepo, merge: str) -> tuple[dict[str, Any], Any]:  # type: ignore[no-untyped-def]
    root = str(repo.root)
    assert run_cli("-C", root, "evidence", "record", "--pr", "7").exit_code == 0
    note = json.loads(run_cli("-C", root, "evidence", "show", merge).stdout)["itsmctlEvidence"]
    return note, run_cli("-C", root, "audit", "--format", "json", "--fail-on-violation")


@pytest.mark.parametrize(
    ("reviewers", "approvers", "passes"),
    [
        (("olivia",), ["olivia"], True),
        (("oscar",), ["oscar"], True),  # in acme/ops on GitHub only: the note records GitHub's answer
        (("alice", "carol"), [], False),  # the author, and someone outside ops
    ],
)
def test_evidence_records_the_owners_approvals_and_the_audit_counts_them(  # type: ignore[no-untyped-def]
    pull, run_cli, reviewers: tuple[str, ...], approvers: list[str], passes: bool
) -> None:
    repo, github, merge = pull
    for login in reviewers:
        github.review(7, login, "APPROVED", github.state.pulls[7].head_sha)
    assert (run_cli("-C", str(repo.root), "review", "--pr", "7").exit_code == 0) is passes
    note, audit = _record_and_audit(run_cli, repo, merge)
    (owners,) = note["record_owners"]
    assert {k: owners[k] for k in ("requirement", "team", "count", "records", "approvers", "satisfied")} == {
        "requirement": "record-owners",
        "team": "team:ops",
        "count": 1,
        "records": ["service:shop"],
        "approvers": approvers,
        "satisfied": passes,
    }
    assert note["head"] == github.state.pulls[7].head_sha and note["version"] == 3
    github.state.fail_with = 500  # the auditor has no GitHub
    findings = json.loads(audit.stdout)["findings"]
    assert (audit.exit_code == 0) is passes, findings
    assert ("missing-approval" in {f["rule"] for f in findings}) is not passes

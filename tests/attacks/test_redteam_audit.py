"""Red-team findings against `audit` and `plan --approvals trailers` (after issue 11): histories whose
violations `audit --fail-on-violation` passes, or that plan and audit judge differently.

Real git histories (merges, octopus merges, evil merges, symlinks), evidence notes written by the real
`evidence record` against the GitHub emulator over HTTP, the real CLI. Expected to fail until fixed.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.attacks.hostile import serve_github
from tests.conftest import change, ci, service, team
from tests.github_emulator import GitHubEmulator
from tests.gitrepo import GitRepo

OCTOBER = ("2026-10-06T22:00:00+02:00", "2026-10-06T23:00:00+02:00")
OWNERS_POLICY = """apiVersion: itsm/v1
kind: Policy
metadata: {name: change-management}
spec:
  approvals:
    - id: owners
      require: [{owners: true}]
"""
CAB_POLICY = """apiVersion: itsm/v1
kind: Policy
metadata: {name: change-management}
spec:
  approvals:
    - id: cab
      require: [{team: team:cab, count: 1}]
"""
MAINTAINER = "Maintainer <maint@acme.example>"


def _change(name: str, status: str, requester: str = "bob", targets: str = "[ci:db]") -> str:
    return change(name, targets, *OCTOBER, status=status).replace("requester: alice", f"requester: {requester}")


def _audit(run_cli, root: Path) -> tuple[int, dict[str, Any]]:  # type: ignore[no-untyped-def]
    result = run_cli("-C", str(root), "audit", "--format", "json", "--fail-on-violation")
    return result.exit_code, json.loads(result.stdout)


def _as_maintainer() -> dict[str, str]:
    name, email = "Maintainer", "maint@acme.example"
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


def _rules(report: dict[str, Any]) -> list[str]:
    return sorted(f["rule"] for f in report["findings"])


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubEmulator]:
    yield from serve_github(monkeypatch)


@pytest.fixture
def shop(tmp_path: Path) -> GitRepo:
    """main: ops (alice, bob) owns ci:db; every change needs its targets' owners; chg-1 and chg-2 requested by bob."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "import",
        {
            "catalog/teams.yaml": team("ops", "[alice, bob]"),
            "catalog/cmdb.yaml": ci("db") + "---\n" + service("shop", depends="[ci:db]"),
            "policies/change.yaml": OWNERS_POLICY,
        },
        author=MAINTAINER,
    )
    repo.branch("request")
    repo.commit("request", {"changes/chg-1.yaml": _change("chg-1", "requested")}, author="Bob <bob@acme.example>")
    repo.commit("request", {"changes/chg-2.yaml": _change("chg-2", "requested")}, author="Bob <bob@acme.example>")
    repo.checkout("main")
    repo.merge("request", "Merge pull request #1 from acme/request", author=MAINTAINER)
    return repo


def _record_evidence(
    run_cli,
    repo: GitRepo,
    github: GitHubEmulator,
    number: int,
    author: str,
    approvers: tuple[str, ...],
    head: str,
    merge: str,
) -> None:  # type: ignore[no-untyped-def]
    pull = github.add_pull(number, author, head, repo.repo.commit(f"{merge}^1").hexsha)
    pull.merge_commit = merge
    for login in approvers:
        github.review(number, login, "APPROVED", head)
    result = run_cli("-C", str(repo.root), "evidence", "record", "--commit", merge)
    assert result.exit_code == 0, result.stderr


# --- a repository whose records are not under catalog/, changes/, policies/ ---------------------------


@pytest.mark.xfail(
    strict=True,
    reason="audit.walk logs only catalog/, changes/ and policies/; validate, plan and gate read the whole "
    "tree when none exists, so the audit of such a repository sees no commit and passes everything",
)
def test_audit_sees_the_history_of_a_repository_without_the_record_folders(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path / "flat")
    repo.commit(
        "import",
        {
            "records/org.yaml": team("ops", "[alice, bob]") + "---\n" + ci("db") + "---\n" + OWNERS_POLICY,
            "records/chg-1.yaml": _change("chg-1", "requested"),
        },
        author=MAINTAINER,
    )
    # bob approves his own change with a direct commit: a direct-commit and a missing approval.
    repo.commit("approve", {"records/chg-1.yaml": _change("chg-1", "approved")}, author="Bob <bob@acme.example>")
    assert run_cli("-C", str(repo.root), "validate").exit_code == 0  # validate does read these records
    code, report = _audit(run_cli, repo.root)
    assert report["commits"] >= 2 and [c["change"] for c in report["changes"]] == ["chg-1"]
    assert code == 1
    assert "missing-approval" in _rules(report)


# --- the approvals of a pull request credited to a change it never contained (evil merge) --------------


@pytest.mark.xfail(
    strict=True,
    reason="audit.approvals.from_note credits every approval in a merge's note to every change the merge "
    "authorises; a merge made by hand can approve a change that was not in the reviewed pull request",
)
def test_a_note_does_not_approve_a_change_that_was_not_in_its_pull_request(
    shop: GitRepo, github: GitHubEmulator, run_cli
) -> None:  # type: ignore[no-untyped-def]
    shop.branch("approve-1")
    head = shop.commit(
        "approve chg-1", {"changes/chg-1.yaml": _change("chg-1", "approved")}, author="Bob <bob@acme.example>"
    )
    shop.checkout("main")
    # Merged locally: the merge commit also approves chg-2, which the pull request never touched.
    shop.repo.git.merge("--no-ff", "--no-commit", "approve-1")
    shop.write({"changes/chg-2.yaml": _change("chg-2", "approved")})
    shop.repo.git.commit("-m", "Merge pull request #2 from acme/approve-1", env=_as_maintainer())
    merge = shop.repo.head.commit.hexsha
    assert [p.hexsha for p in shop.repo.head.commit.parents][1] == head
    _record_evidence(run_cli, shop, github, 2, "bob", ("alice",), head, merge)
    note = json.loads(run_cli("-C", str(shop.root), "evidence", "show", merge).stdout)["itsmctlEvidence"]
    assert [c["change"] for c in note["changes"]] == ["chg-1"]  # what review saw
    code, report = _audit(run_cli, shop.root)
    chg2 = next(c for c in report["changes"] if c["change"] == "chg-2")
    assert chg2["status"] == "approved"
    # Observed: chg-2 "approved by alice (review evidence)", no finding, exit 0.
    assert chg2["approvals"] == []
    assert code == 1


# --- the approving merge rewrites who the requester is ------------------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="audit.approvals excludes change.requester as of the authorising commit only: a merge that "
    "rewrites spec.requester lets the original requester's approval count",
)
def test_audit_does_not_count_the_original_requesters_approval(shop: GitRepo, github: GitHubEmulator, run_cli) -> None:  # type: ignore[no-untyped-def]
    shop.branch("approve-1")
    head = shop.commit(
        "approve chg-1",
        {"changes/chg-1.yaml": _change("chg-1", "approved", requester="erin")},
        author="Erin <erin@acme.example>",
    )
    shop.checkout("main")
    merge = shop.merge("approve-1", "Merge pull request #2 from acme/approve-1")
    _record_evidence(run_cli, shop, github, 2, "erin", ("bob",), head, merge)  # bob requested chg-1
    code, report = _audit(run_cli, shop.root)
    assert code == 1, report


# --- a record file that is a symlink -----------------------------------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="the audit reads a symlinked change file's blob (the link text) instead of following it as "
    "validate and gate do: the change is 'removed' and its later approval is never audited",
)
def test_a_change_approved_through_its_symlink_target_is_audited(shop: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    shop.branch("link")
    (shop.root / "drafts").mkdir()
    shop.repo.git.mv("changes/chg-1.yaml", "drafts/chg-1.yaml")
    os.symlink("../drafts/chg-1.yaml", shop.root / "changes/chg-1.yaml")
    shop.repo.index.add(["changes/chg-1.yaml"])
    shop.commit("keep drafts in drafts/, linked", author=MAINTAINER)
    shop.checkout("main")
    shop.merge("link", "Merge pull request #2 from acme/link")
    shop.branch("sneak")
    shop.commit("tidy the draft", {"drafts/chg-1.yaml": _change("chg-1", "approved")}, author="Bob <bob@acme.example>")
    shop.checkout("main")
    shop.merge("sneak", "Merge pull request #3 from acme/sneak")
    gate = run_cli("-C", str(shop.root), "gate", "--service", "shop", "--ci", "db", "--at", "2026-10-06T22:30:00+02:00")
    assert gate.exit_code == 0  # the gate follows the link: chg-1 is approved on main
    code, report = _audit(run_cli, shop.root)
    chg1 = next(c for c in report["changes"] if c["change"] == "chg-1")
    # Observed: status "requested", removed, no finding; exit 0.
    assert chg1["status"] == "approved"
    assert code == 1 and "missing-approval" in _rules(report)


# --- Approved-by trailers on an octopus merge --------------------------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="flow.trailers.merge_approvals excludes only the authors of parents[0]..parents[1]; an octopus "
    "merge's third parent brings in commits whose author then approves them (audit refuses it: they disagree)",
)
def test_plan_trailers_and_audit_agree_on_an_octopus_merge(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path / "octopus")
    repo.commit(
        "import",
        {
            "catalog/teams.yaml": team("ops", "[alice@acme.example]") + "---\n" + team("cab", "[carol@acme.example]"),
            "catalog/cmdb.yaml": ci("db"),
            "policies/change.yaml": CAB_POLICY,
            "changes/chg-1.yaml": _change("chg-1", "requested", requester="alice@acme.example"),
        },
        author=MAINTAINER,
    )
    repo.branch("docs")
    repo.commit("docs", {"README.md": "notes\n"}, author=MAINTAINER)
    repo.checkout("main")
    repo.branch("approve")
    repo.commit(
        "approve",
        {"changes/chg-1.yaml": _change("chg-1", "approved", requester="alice@acme.example")},
        author="Carol <carol@acme.example>",
    )
    repo.checkout("main")
    message = "Merge docs and approve\n\nApproved-by: Carol <carol@acme.example>"
    repo.repo.git.merge("--no-ff", "docs", "approve", "-m", message, env=_as_maintainer())
    assert len(repo.repo.head.commit.parents) == 3
    code, report = _audit(run_cli, repo.root)
    assert code == 1 and "self-approval" in _rules(report)  # the audit: carol authored what she approved
    plan = run_cli("-C", str(repo.root), "plan", "--base", "HEAD^1", "--head", "HEAD", "--approvals", "trailers")
    assert plan.exit_code == 1, plan.stdout  # observed: 0, carol's trailer counted


# --- GitHub's "Rebase and merge" of a reviewed pull request ------------------------------------------


def _as_github() -> dict[str, str]:
    return {"GIT_COMMITTER_NAME": "GitHub", "GIT_COMMITTER_EMAIL": "noreply@github.com"}


@pytest.mark.xfail(
    strict=True,
    reason="false alarm: audit.walk treats only the commit carrying the note (GitHub's merge_commit_sha, the "
    "last rebased commit) as the pull request; the earlier rebased commits are direct commits without approvals",
)
def test_a_rebase_merged_pull_request_is_not_a_direct_commit(shop: GitRepo, github: GitHubEmulator, run_cli) -> None:  # type: ignore[no-untyped-def]
    shop.branch("approve-1")
    shop.commit(
        "approve chg-1", {"changes/chg-1.yaml": _change("chg-1", "approved")}, author="Erin <erin@acme.example>"
    )
    head = shop.commit(
        "fix the title",
        {"changes/chg-1.yaml": _change("chg-1", "approved").replace("title: Change chg-1", "title: Patch the db")},
        author="Erin <erin@acme.example>",
    )
    shop.checkout("main")
    base = shop.repo.head.commit.hexsha
    # What GitHub's "Rebase and merge" does: each commit re-applied on main, committed by GitHub.
    for sha in shop.repo.git.rev_list("--reverse", f"{base}..approve-1").split():
        shop.repo.git.cherry_pick(sha, env=_as_github())
    merge = shop.repo.head.commit.hexsha
    pull = github.add_pull(2, "erin", head, base)
    pull.merge_commit = merge  # GitHub: for a rebase merge, the commit the base branch was updated to
    github.review(2, "alice", "APPROVED", head)
    assert run_cli("-C", str(shop.root), "evidence", "record", "--commit", merge).exit_code == 0
    code, report = _audit(run_cli, shop.root)
    # Observed: direct-commit and missing-approval for the first rebased commit.
    assert _rules(report) == [], report["findings"]
    assert code == 0


# --- narrowing the audit to a service or a period ---------------------------------------------------


@pytest.fixture
def edited_directly(shop: GitRepo, github: GitHubEmulator, run_cli) -> GitRepo:  # type: ignore[no-untyped-def]
    """chg-1 (on ci:db, under service shop) approved through a reviewed pull request in October 2026,
    then its description (not part of the approved scope) edited by a direct commit on main."""
    shop.branch("approve-1")
    head = shop.commit(
        "approve chg-1", {"changes/chg-1.yaml": _change("chg-1", "approved")}, author="Erin <erin@acme.example>"
    )
    shop.checkout("main")
    merge = shop.merge("approve-1", "Merge pull request #2 from acme/approve-1", author=MAINTAINER)
    _record_evidence(run_cli, shop, github, 2, "erin", ("alice",), head, merge)
    shop.commit(
        "quick fix",
        {"changes/chg-1.yaml": _change("chg-1", "approved") + "  description: Also bumps the driver.\n"},
        author="Bob <bob@acme.example>",
    )
    return shop


@pytest.mark.xfail(
    strict=True,
    reason="audit.select drops every finding without a 'change' detail under --service: a direct commit to "
    "the file of a change that concerns the service vanishes and --fail-on-violation exits 0",
)
def test_narrowing_to_a_service_keeps_a_direct_commit_to_its_change(edited_directly: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    code, report = _audit(run_cli, edited_directly.root)
    assert code == 1 and "direct-commit" in _rules(report)
    result = run_cli(
        "-C", str(edited_directly.root), "audit", "--service", "shop", "--format", "json", "--fail-on-violation"
    )
    narrowed = json.loads(result.stdout)
    assert "chg-1" in [c["change"] for c in narrowed["changes"]]  # chg-1 concerns shop
    assert "direct-commit" in _rules(narrowed)
    assert result.exit_code == 1


@pytest.mark.xfail(
    strict=True,
    reason="false alarm: audit.select keeps every finding without a 'change' detail whatever --since/--until "
    "say: an audit of a later period fails on a direct commit made long before it",
)
def test_an_audit_of_a_later_period_does_not_fail_on_older_commits(edited_directly: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(
        "-C", str(edited_directly.root), "audit", "--since", "2099-01-01", "--format", "json", "--fail-on-violation"
    )
    report = json.loads(result.stdout)
    assert report["changes"] == []
    assert _rules(report) == []
    assert result.exit_code == 0


# --- a direct commit dressed up as GitHub's squash merge ---------------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="audit.walk.plain_via believes a '(#N)' subject and a 'GitHub <noreply@github.com>' committer (both "
    "free text in git) without any evidence note: a direct commit adding its author to a team passes the audit",
)
def test_a_commit_that_only_claims_to_be_a_squash_merge_is_a_direct_commit(shop: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    shop.write({"catalog/teams.yaml": team("ops", "[alice, bob, mallory]")})
    shop.repo.git.add("catalog/teams.yaml")
    env = {"GIT_AUTHOR_NAME": "Mallory", "GIT_AUTHOR_EMAIL": "mallory@acme.example", **_as_github()}
    shop.repo.git.commit("-m", "Update the ops roster (#41)", env=env)  # no pull request #41 exists
    code, report = _audit(run_cli, shop.root)
    assert report["evidence"] == []  # nothing vouches for it
    assert code == 1 and "direct-commit" in _rules(report), report["findings"]


# --- one run of the main-branch workflow for a push that brings two merges ------------------------------


def _workflow_evidence_command() -> str:
    import yaml

    from tests.conftest import REPO_ROOT

    workflow = yaml.safe_load((REPO_ROOT / ".github/workflows/itsm-main.yml").read_text())
    (step,) = [s for s in workflow["jobs"]["evidence"]["steps"] if "evidence record" in s.get("run", "")]
    (line,) = [line for line in step["run"].splitlines() if "evidence record" in line]
    return line.strip()


@pytest.mark.xfail(
    strict=True,
    reason="false alarm: itsm-main.yml records evidence for $GITHUB_SHA only, and its concurrency group cancels "
    "pending runs, so when two merges land before a run starts (or in one push) the first gets no note and "
    "audit reports its reviewed change as missing-approval",
)
def test_every_merge_of_a_push_gets_its_evidence(shop: GitRepo, github: GitHubEmulator, run_cli) -> None:  # type: ignore[no-untyped-def]
    command = _workflow_evidence_command()
    assert command == 'itsmctl evidence record --commit "$COMMIT_SHA" --push'
    heads = {}
    for number, name in ((2, "chg-1"), (3, "chg-2")):
        shop.branch(f"approve-{name}")
        heads[number] = shop.commit(
            f"approve {name}", {f"changes/{name}.yaml": _change(name, "approved")}, author="Erin <erin@acme.example>"
        )
        shop.checkout("main")
        base = shop.repo.head.commit.hexsha
        merge = shop.merge(f"approve-{name}", f"Merge pull request #{number}", author=MAINTAINER)
        pull = github.add_pull(number, "erin", heads[number], base)
        pull.merge_commit = merge
        github.review(number, "alice", "APPROVED", heads[number])
    # The one run that happens: for the push's head (the workflow's $COMMIT_SHA), without --push (no remote here).
    assert run_cli("-C", str(shop.root), "evidence", "record", "--commit", shop.repo.head.commit.hexsha).exit_code == 0
    code, report = _audit(run_cli, shop.root)
    assert _rules(report) == [], report["findings"]  # observed: missing-approval for chg-1 (#2)
    assert code == 0


# --- Approved-by written by the person who committed the merge --------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="flow.trailers.merge_exclusions takes the merger from the merge's author only: whoever commits the "
    "merge under another author name vouches for their own approval (plan --approvals trailers and audit)",
)
def test_the_committer_of_a_merge_cannot_approve_with_its_trailers(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path / "committer")
    repo.commit(
        "import",
        {
            "catalog/teams.yaml": team("ops", "[alice@acme.example]") + "---\n" + team("cab", "[carol@acme.example]"),
            "catalog/cmdb.yaml": ci("db"),
            "policies/change.yaml": CAB_POLICY,
            "changes/chg-1.yaml": _change("chg-1", "requested", requester="alice@acme.example"),
        },
        author=MAINTAINER,
    )
    repo.branch("approve")
    repo.commit(
        "approve",
        {"changes/chg-1.yaml": _change("chg-1", "approved", requester="alice@acme.example")},
        author="Bob <bob@acme.example>",
    )
    repo.checkout("main")
    # Carol makes the merge (she is its committer) but writes someone else as its author.
    env = {**_as_maintainer(), "GIT_COMMITTER_NAME": "Carol", "GIT_COMMITTER_EMAIL": "carol@acme.example"}
    message = "Merge pull request #2\n\nApproved-by: Carol <carol@acme.example>"
    repo.repo.git.merge("--no-ff", "approve", "-m", message, env=env)
    plan = run_cli("-C", str(repo.root), "plan", "--base", "HEAD^1", "--head", "HEAD", "--approvals", "trailers")
    assert plan.exit_code == 1, plan.stdout
    code, report = _audit(run_cli, repo.root)
    assert code == 1, report


@pytest.mark.parametrize("name", ["Shop", "shpo"])
def test_audit_of_a_service_that_does_not_exist_is_a_usage_error(shop: GitRepo, run_cli, name: str) -> None:  # type: ignore[no-untyped-def]
    shop.commit(
        "approve it myself", {"changes/chg-1.yaml": _change("chg-1", "approved")}, author="Bob <bob@acme.example>"
    )
    root = str(shop.root)
    assert run_cli("-C", root, "audit", "--service", "shop", "--fail-on-violation").exit_code == 1
    assert run_cli("-C", root, "sla", "report", "--period", "2026-10", "--service", name).exit_code == 2
    result = run_cli("-C", root, "audit", "--service", name, "--fail-on-violation")
    assert result.exit_code == 2, result.stdout  # observed: 0 error(s), exit 0


# --- the audit of a shallow clone ---------------------------------------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="audit.walk replays whatever history the clone has: in a shallow clone (actions/checkout's default "
    "fetch-depth: 1) the boundary commit is the exempt 'import' and earlier violations vanish; exit 0, no warning",
)
def test_the_audit_of_a_shallow_clone_is_not_a_pass(shop: GitRepo, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    shop.commit(
        "join ops", {"catalog/teams.yaml": team("ops", "[alice, bob, mallory]")}, author="Mallory <m@x.example>"
    )
    shop.branch("docs")
    shop.commit("docs", {"catalog/README.md": "The catalog.\n"}, author=MAINTAINER)
    shop.checkout("main")
    shop.merge("docs", "Merge pull request #2 from acme/docs", author=MAINTAINER)
    code, report = _audit(run_cli, shop.root)
    assert code == 1 and "direct-commit" in _rules(report)
    clone = tmp_path / "shallow"

    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{shop.root}", str(clone)], check=True)
    result = run_cli("-C", str(clone), "audit", "--format", "json", "--fail-on-violation")
    # Observed: exit 0, "0 error(s)": the direct commit is below the shallow boundary.
    assert result.exit_code != 0, result.stdout


# --- edits to owned records (record-owners) with Approved-by trailers, and in the audit ------------------


@pytest.fixture
def roster_merge(tmp_path: Path) -> GitRepo:
    """A team that approves with trailers; a merge adds mallory to the CAB and hands ci:db to the CAB,
    with no Approved-by trailer at all."""
    repo = GitRepo(tmp_path / "roster")
    teams = team("ops", "[alice@acme.example]") + "---\n" + team("cab", "[carol@acme.example]")
    repo.commit(
        "import",
        {"catalog/teams.yaml": teams, "catalog/cmdb.yaml": ci("db"), "policies/change.yaml": CAB_POLICY},
        author=MAINTAINER,
    )
    repo.branch("roster")
    repo.commit(
        "join the cab, take the database",
        {
            "catalog/teams.yaml": teams.replace("[carol@acme.example]", "[carol@acme.example, mallory@acme.example]"),
            "catalog/cmdb.yaml": ci("db").replace("owner: team:ops", "owner: team:cab"),
        },
        author="Mallory <mallory@acme.example>",
    )
    repo.checkout("main")
    repo.merge("roster", "Merge pull request #2 from acme/roster", author=MAINTAINER)
    return repo


def test_plan_with_trailers_refuses_edits_to_owned_records_without_their_owners(roster_merge: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = str(roster_merge.root)
    result = run_cli("-C", root, "plan", "--base", "HEAD^1", "--head", "HEAD", "--approvals", "trailers")
    assert "record-owners" in result.stdout  # the need is shown...
    assert result.exit_code == 1, result.stdout  # ...but observed: exit 0


def test_audit_finds_edits_to_owned_records_without_their_owners(roster_merge: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    code, report = _audit(run_cli, roster_merge.root)
    assert code == 1, report


# --- adopting itsmctl: the first commit imports changes that were approved elsewhere -------------------


@pytest.mark.xfail(
    strict=True,
    reason="false alarm: the first commit is exempt from illegal-transition and direct-commit as an import, but "
    "every change it imports as approved or closed is a missing-approval error in every later audit",
)
def test_changes_imported_by_the_first_commit_are_not_missing_approvals(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path / "adopt")
    closed = _change("chg-0", "completed").replace(
        "  status: completed\n", "  status: completed\n  outcome: {summary: done}\n"
    )
    repo.commit(
        "import our ITSM records",
        {
            "catalog/teams.yaml": team("ops", "[alice, bob]"),
            "catalog/cmdb.yaml": ci("db"),
            "policies/change.yaml": OWNERS_POLICY,
            "changes/chg-0.yaml": closed,
            "changes/chg-1.yaml": _change("chg-1", "approved"),
        },
        author=MAINTAINER,
    )
    assert run_cli("-C", str(repo.root), "validate").exit_code == 0
    code, report = _audit(run_cli, repo.root)
    assert [t["via"] for c in report["changes"] for t in c["transitions"]] == ["initial commit"] * 2
    assert _rules(report) == [], report["findings"]  # observed: missing-approval x2, exit 1
    assert code == 0

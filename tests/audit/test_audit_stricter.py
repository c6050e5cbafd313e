"""The audit reads a change's risk as plan and review do: the stricter of before and at its commit (issue 11, item 1).

A merge that lowers the target's tier (or cuts a dependsOn link) and authorises
the change in the same commit must not lower what the change needed; review
refuses such a pull request, and the audit must not pass it either.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from itsmctl.audit.walk import run_audit
from tests.conftest import GOLD_SLA, change, ci, service, team
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


def _cmdb(tier: int = 1, depends: str = "[ci:db]") -> str:
    return ci("db") + "---\n" + service("shop", tier=tier, depends=depends)


def _emergency(status: str, targets: str = "[service:shop]") -> str:
    return change("chg-1", targets, *WINDOW, status=status, kind="emergency", extra="  pir: {summary: reviewed}\n")


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "catalog",
        {
            "catalog/teams.yaml": team("ops", "[alice@acme.example, bob@acme.example]")
            + "---\n"
            + team("sre", "[sam@acme.example]"),
            "catalog/slas.yaml": GOLD_SLA,
            "catalog/cmdb.yaml": _cmdb(),
            "policies/change.yaml": SRE_POLICY,
        },
    )
    return repo


# The owner of the CMDB records the merges edit (ops) approves each such edit (record-owners).
OPS = "Approved-by: Bob <bob@acme.example>\n"


def _merge(repo: GitRepo, name: str, files: dict[str, str | None], trailers: str = "") -> str:
    repo.branch(name, "main")
    repo.commit(name, files, author="Alice <alice@acme.example>")
    repo.checkout("main")
    return repo.merge(name, f"Merge {name}\n\n{trailers}" if trailers else f"Merge {name}")


@pytest.mark.parametrize(
    ("targets", "lowering"),
    [("[service:shop]", _cmdb(tier=4)), ("[ci:db]", _cmdb(depends="[]"))],
    ids=["tier 1 -> 4", "dependsOn removed"],
)
def test_a_merge_that_lowers_its_own_bar_still_needs_what_it_needed(repo: GitRepo, targets: str, lowering: str) -> None:
    _merge(repo, "request", {"changes/chg-1.yaml": _emergency("requested", targets)})
    merge = _merge(
        repo, "start", {"changes/chg-1.yaml": _emergency("in-progress", targets), "catalog/cmdb.yaml": lowering}, OPS
    )
    report = run_audit(repo.repo)
    assert [(f.rule, f.details["commit"]) for f in report.findings] == [("missing-approval", merge)]
    assert "team:sre" in report.findings[0].message
    assert report.trails[0].required == ["1 approval(s) from team:sre"]


def test_with_the_approval_it_needed_it_passes(repo: GitRepo) -> None:
    _merge(repo, "request", {"changes/chg-1.yaml": _emergency("requested")})
    _merge(
        repo,
        "start",
        {"changes/chg-1.yaml": _emergency("in-progress"), "catalog/cmdb.yaml": _cmdb(tier=4)},
        "Approved-by: Sam <sam@acme.example>\n" + OPS,
    )
    assert run_audit(repo.repo).findings == []


def test_lowered_before_the_change_is_authorised_counts_as_lowered(repo: GitRepo) -> None:
    """The tier was lowered in its own, earlier merge: that is the catalog the change was judged by."""
    _merge(repo, "request", {"changes/chg-1.yaml": _emergency("requested")})
    _merge(repo, "retier", {"catalog/cmdb.yaml": _cmdb(tier=4)}, OPS)
    _merge(repo, "start", {"changes/chg-1.yaml": _emergency("in-progress")})
    assert run_audit(repo.repo).findings == []


def test_a_merge_that_edits_owned_records_without_their_owner_is_missing_approval(repo: GitRepo) -> None:
    """Follow-up 2: the audit checked only changes, so a merge that edited only CMDB records passed."""
    merge = _merge(repo, "retier", {"catalog/cmdb.yaml": _cmdb(tier=4)})
    report = run_audit(repo.repo)
    assert [(f.rule, f.location.path, f.location.line, f.details["commit"]) for f in report.findings] == [
        ("missing-approval", "catalog/cmdb.yaml", 12, merge)
    ]
    (finding,) = report.findings
    assert finding.details["records"] == ["service:shop"] and finding.details["team"] == "team:ops"
    assert "service:shop edited or removed with 0 of 1 approval(s) from team:ops" in finding.message

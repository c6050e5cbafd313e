"""Base-branch policy files that do not load fail the review closed (``flow.policy_doubt``), without false alarms."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from itsmctl.flow.plan import build_plan
from tests.conftest import ci, team
from tests.gitrepo import GitRepo

POLICY = """apiVersion: itsm/v1
kind: Policy
metadata: {name: change-management}
spec:
  approvals:
    - id: owners
      require: [{owners: true}]
"""
INCIDENT = """apiVersion: itsm/v1
kind: Incident
metadata: {name: inc-1}
spec:
  title: Checkout was slow
  priority: P3
  services: []
  impact: {kind: degraded}
  opened: "2026-11-04T10:02:00+01:00"
  status: open
  summary: Slow pages.
"""


def _change(status: str) -> str:
    return (
        "apiVersion: itsm/v1\nkind: Change\nmetadata: {name: chg-1}\nspec:\n"
        f"  title: Upgrade the database\n  type: normal\n  requester: bob\n  status: {status}\n"
        "  rollbackPlan: Restore the previous release from the artifact store and restart every node in order.\n"
        "  testPlan: Run the smoke test suite and watch the error rate for fifteen minutes.\n"
        "  targets: [ci:db]\n  window: {start: '2027-01-19T22:00:00+01:00', end: '2027-01-19T23:00:00+01:00'}\n"
    )


def _doubts(
    tmp_path: Path, policy_path: str, broken: bytes | None, *, link: str | None = None, status: str = "approved"
) -> list[str]:
    """main: a policy at ``policy_path`` and chg-1 requested; then ``broken`` replaces the file (or ``link``
    replaces it with a symlink); a branch from there moves chg-1 to ``status``."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "start",
        {
            "catalog/org.yaml": team() + "---\n" + ci("db"),
            "catalog/incidents.yaml": INCIDENT,
            policy_path: POLICY,
            "changes/chg-1.yaml": _change("requested"),
        },
    )
    path = repo.root / policy_path
    if link is not None:
        path.unlink()
        os.symlink(link, path)
    elif broken is not None:
        path.write_bytes(broken)
    repo.repo.index.add([policy_path])
    repo.commit("the file broke on main")
    repo.branch("approve")
    repo.commit("approve", {"changes/chg-1.yaml": _change(status)})
    return build_plan(repo.repo, "main", "approve").policies_in_doubt


NOT_YAML = POLICY.encode() + b"spec: [\n"
NOT_UTF8 = POLICY.replace("owners: true", "owners: true # caf\xe9").encode("latin-1")
TAGGED = POLICY.replace("require: [{owners: true}]", "require: !!python/object:os.system [{owners: true}]").encode()


@pytest.mark.parametrize(
    "broken", [NOT_YAML, NOT_UTF8, TAGGED, b""], ids=["not-yaml", "not-utf8", "unsafe-tag", "empty"]
)
@pytest.mark.parametrize("where", ["policies/change.yaml", "catalog/policy.yaml"])
def test_a_file_that_held_a_policy_and_does_not_load_is_in_doubt(tmp_path: Path, broken: bytes, where: str) -> None:
    assert _doubts(tmp_path, where, broken) == [where]


def test_a_policy_file_that_is_a_link_to_nowhere_is_in_doubt(tmp_path: Path) -> None:
    assert _doubts(tmp_path, "policies/change.yaml", None, link="../elsewhere/change.yaml") == ["policies/change.yaml"]


def test_a_broken_file_that_never_held_a_policy_is_no_doubt(tmp_path: Path) -> None:
    # No false alarm: an incident file outside policies/ that does not load hides no Policy, even when
    # an older version of it held one before it became the incident file.
    repo = GitRepo(tmp_path / "repo")
    repo.commit("start", {"catalog/org.yaml": team() + "---\n" + ci("db"), "policies/change.yaml": POLICY})
    repo.commit("request", {"changes/chg-1.yaml": _change("requested"), "catalog/incidents.yaml": INCIDENT})
    (repo.root / "catalog/incidents.yaml").write_bytes(INCIDENT.encode() + b"spec: [\n")
    repo.repo.index.add(["catalog/incidents.yaml"])
    repo.commit("the incident file broke on main")
    repo.branch("approve")
    repo.commit("approve", {"changes/chg-1.yaml": _change("approved")})
    assert build_plan(repo.repo, "main", "approve").policies_in_doubt == []


def test_nothing_is_in_doubt_when_nothing_is_authorised(tmp_path: Path) -> None:
    assert _doubts(tmp_path, "policies/change.yaml", NOT_YAML, status="requested") == []


def test_the_last_readable_version_decides_however_long_the_file_has_been_broken(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("start", {"catalog/org.yaml": team() + "---\n" + ci("db"), "catalog/rules.yaml": POLICY})
    repo.commit("request", {"changes/chg-1.yaml": _change("requested")})
    for tail in (b"spec: [\n", b"spec: {\n"):  # broken twice over: the walk goes past both
        (repo.root / "catalog/rules.yaml").write_bytes(POLICY.encode() + tail)
        repo.repo.index.add(["catalog/rules.yaml"])
        repo.commit("still broken")
    repo.branch("approve")
    repo.commit("approve", {"changes/chg-1.yaml": _change("approved")})
    assert build_plan(repo.repo, "main", "approve").policies_in_doubt == ["catalog/rules.yaml"]

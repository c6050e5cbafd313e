"""Symbolic links read from git objects (plan, review) and from the working tree (validate) agree.

Before (issue 11 leftovers, item 4): in git objects a link to a link was read
as the second link's text (``b.yaml``, not a record), and a link through a
linked folder was "outside the repository", while ``validate`` on the checkout
followed both. Now both follow a chain inside the repository, hop by hop, up to
40 links; a link that leaves the repository, points to nothing or loops is an
``unsafe-path`` finding in both.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from itsmctl.load.repository import load_tree
from itsmctl.vcs.git import load_revision
from tests.conftest import team, write_files
from tests.gitrepo import GitRepo


def _repo(tmp_path: Path, files: dict[str, str], links: dict[str, str]) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    write_files(repo.root, files)
    for name, target in links.items():
        path = repo.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, path)
    repo.repo.git.add("--all")
    repo.commit("records")
    return repo


def _seen(result) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:  # type: ignore[no-untyped-def]
    records = sorted((r.path, r.name) for r in result.catalog.records)
    findings = sorted((f.rule, f.location.path, f.message) for f in result.findings)
    return records, findings


def _both(repo: GitRepo):  # type: ignore[no-untyped-def]
    from_git = _seen(load_revision(repo.repo, "HEAD"))
    from_tree = _seen(load_tree(repo.root, use_cache=False))
    assert from_git == from_tree  # plan and validate agree
    return from_git


def test_a_link_to_a_link_is_followed_in_git_as_on_disk(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path,
        {"shared/ops.yaml": team("ops")},
        {"catalog/ops.yaml": "current.yaml", "catalog/current.yaml": "../shared/ops.yaml"},
    )
    records, findings = _both(repo)
    assert records == [("catalog/current.yaml", "ops"), ("catalog/ops.yaml", "ops")]
    assert findings == []  # read as the team the chain leads to, not as the text "current.yaml"


def test_a_link_through_a_linked_folder_is_followed(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path,
        {"releases/v2/web.yaml": team("web")},
        {"releases/current": "v2", "catalog/web.yaml": "../releases/current/web.yaml"},
    )
    records, findings = _both(repo)
    assert (records, findings) == ([("catalog/web.yaml", "web")], [])


@pytest.mark.parametrize(
    ("links", "reason"),
    [
        ({"catalog/a.yaml": "b.yaml", "catalog/b.yaml": "a.yaml"}, "loops"),
        ({"catalog/a.yaml": "hop.yaml", "catalog/hop.yaml": "../../outside.yaml"}, "outside the repository"),
        ({"catalog/a.yaml": "hop", "hop": "nowhere/ops.yaml"}, "points to no file"),
        ({"catalog/a.yaml": "../catalog/../../repo/catalog/ops.yaml"}, "outside the repository"),
    ],
    ids=["loop", "escape-in-a-chain", "dangling-in-a-chain", "out-and-back"],
)
def test_a_chain_that_loops_leaves_or_dangles_is_refused_in_both(
    tmp_path: Path, links: dict[str, str], reason: str
) -> None:
    repo = _repo(tmp_path, {"catalog/ops.yaml": team("ops")}, links)
    records, findings = _both(repo)
    assert records == [("catalog/ops.yaml", "ops")]
    unsafe = [(path, message) for rule, path, message in findings if rule == "unsafe-path"]
    assert [path for path, _ in unsafe] == sorted(p for p in links if p.startswith("catalog/"))
    assert all(reason in message for _, message in unsafe), unsafe


def test_chains_are_followed_up_to_40_links(tmp_path: Path) -> None:
    def chain(length: int) -> dict[str, str]:
        hops = {f"links/{i}": f"{i + 1}" for i in range(1, length)}
        return {"catalog/ops.yaml": "../links/1", **hops, f"links/{length}": "../shared/ops.yaml"}

    followed = _repo(tmp_path / "40", {"shared/ops.yaml": team("ops")}, chain(39))  # 40 links in all
    assert _both(followed) == ([("catalog/ops.yaml", "ops")], [])
    refused = _repo(tmp_path / "41", {"shared/ops.yaml": team("ops")}, chain(40))
    records, findings = _both(refused)
    assert records == [] and [(rule, path) for rule, path, _ in findings] == [("unsafe-path", "catalog/ops.yaml")]


def test_an_absolute_link_is_refused_in_git(tmp_path: Path) -> None:
    """Git stores a link's text: an absolute path names a place on one machine, never the repository."""
    repo = _repo(tmp_path, {"catalog/ops.yaml": team("ops")}, {"catalog/web.yaml": "/etc/hostname"})
    records, findings = _both(repo)
    assert records == [("catalog/ops.yaml", "ops")]
    assert [(rule, path) for rule, path, _ in findings] == [("unsafe-path", "catalog/web.yaml")]


def test_plan_and_validate_agree_on_a_chain(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo = _repo(tmp_path, {"shared/ops.yaml": team("ops")}, {"catalog/ops.yaml": "../shared/ops.yaml"})
    repo.branch("pr")
    (repo.root / "catalog" / "ops.yaml").unlink()
    os.symlink("current.yaml", repo.root / "catalog" / "ops.yaml")
    os.symlink("../shared/ops.yaml", repo.root / "catalog" / "current.yaml")
    repo.repo.git.add("--all")
    repo.commit("the link's target, itself a link")
    validate = run_cli("-C", str(repo.root), "validate")
    plan = run_cli("-C", str(repo.root), "plan", "--base", "main", "--head", "pr")
    assert "not-a-mapping" not in validate.stdout + plan.stdout
    assert "unsafe-path" not in validate.stdout + plan.stdout


def test_plan_sees_a_change_edited_through_the_file_its_link_points_at(tmp_path: Path) -> None:
    """A pull request that edits only a link's target changes the records at the link: plan must see it.

    Before, the changed path (``drafts/chg-1.yaml``) holds no record of its own, so plan listed no change,
    no transition and no required approval for ``requested -> approved``.
    """
    from itsmctl.flow.plan import build_plan
    from tests.conftest import GOLD_SLA, approval_policy, change, ci, service

    window = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")
    requested = change("chg-1", "[ci:db]", *window, status="requested")
    repo = _repo(
        tmp_path,
        {
            "catalog/teams.yaml": team() + "---\n" + team("cab", "[carol, dave]"),
            "catalog/slas.yaml": GOLD_SLA,
            "catalog/cmdb.yaml": ci("db") + "---\n" + service("shop", tier=2, depends="[ci:db]"),
            "policies/change.yaml": approval_policy("[{team: team:cab, count: 2}]"),
            "drafts/chg-1.yaml": requested,
        },
        {"changes/chg-1.yaml": "../links/current.yaml", "links/current.yaml": "../drafts/chg-1.yaml"},
    )
    repo.branch("pr")
    repo.commit("approve it", {"drafts/chg-1.yaml": requested.replace("status: requested", "status: approved")})
    plan = build_plan(repo.repo, "main", "pr")
    planned = {item.change.name: item for item in plan.changes}
    assert planned["chg-1"].transition == ("requested", "approved")
    assert [(n.team, n.count) for n in planned["chg-1"].needs] == [("team:cab", 2)]


# --- a record folder that is itself a link (issue 11, second attack run) -------------------------------


@pytest.mark.parametrize(
    "links",
    [
        {"changes": "work/changes"},
        {"catalog": "people/catalog", "changes": "work/changes"},
        {"changes": "hop", "hop": "work/changes"},  # a chain of links to the folder
        {"policies": "work/changes/../policies"},
    ],
    ids=["changes", "two-roots", "chain", "dotdot"],
)
def test_a_linked_record_folder_is_read_in_git_as_on_disk(tmp_path: Path, links: dict[str, str]) -> None:
    files = {
        "work/changes/ops.yaml": team("changes-team"),
        "work/changes/sub/more.yaml": team("sub-team"),
        "work/policies/ops.yaml": team("policy-team"),
        "people/catalog/ops.yaml": team("ops"),
    }
    if "catalog" not in links:
        files["catalog/here.yaml"] = team("here")
    repo = _repo(tmp_path, files, links)
    records, findings = _both(repo)
    assert findings == []
    for root in links:
        if root in ("catalog", "changes", "policies"):
            assert any(path.startswith(root + "/") for path, _ in records), (root, records)


def test_a_linked_record_folder_that_leaves_the_repository_is_refused_in_git(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "chg.yaml").write_text(team("outsider"))
    repo = _repo(tmp_path, {"catalog/ops.yaml": team("ops")}, {"changes": "../outside"})
    records, findings = load_revision(repo.repo, "HEAD").catalog.records, load_revision(repo.repo, "HEAD").findings
    assert [r.name for r in records] == ["ops"]
    assert [(f.rule, f.location.path) for f in findings] == [("unsafe-path", "changes")]
    on_disk = load_tree(repo.root, use_cache=False)  # the working tree refuses it too
    assert [r.name for r in on_disk.catalog.records] == ["ops"]
    assert [(f.rule, f.location.path) for f in on_disk.findings] == [("unsafe-path", "changes")]


def test_plan_sees_a_change_edited_in_a_linked_changes_folder_and_a_retargeted_link(tmp_path: Path) -> None:
    from itsmctl.flow.plan import build_plan
    from tests.conftest import approval_policy, change, ci

    window = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")
    requested = change("chg-1", "[ci:db]", *window, status="requested")
    approved = requested.replace("status: requested", "status: approved")
    repo = _repo(
        tmp_path,
        {
            "catalog/org.yaml": team() + "---\n" + team("cab", "[carol, dave]") + "---\n" + ci("db"),
            "policies/change.yaml": approval_policy("[{team: team:cab, count: 2}]"),
            "work/a/chg-1.yaml": requested,
            "work/b/chg-1.yaml": approved,
        },
        {"changes": "work/a"},
    )
    repo.branch("pr")
    (repo.root / "changes").unlink()
    os.symlink("work/b", repo.root / "changes")  # only the link changes: it now points at the approved copy
    repo.repo.git.add("--all")
    repo.commit("point changes/ at the approved copy")
    (item,) = build_plan(repo.repo, "main", "pr").changes
    assert item.transition == ("requested", "approved")
    assert [(n.team, n.count) for n in item.needs] == [("team:cab", 2)]


def _freeze(name: str) -> str:
    return (
        f"apiVersion: itsm/v1\nkind: Freeze\nmetadata: {{name: {name}}}\n"
        "spec: {start: '2026-12-01T00:00:00Z', end: '2026-12-31T00:00:00Z', reason: peak}\n"
    )


def test_a_linked_folder_inside_a_record_folder_is_read_through_the_link(tmp_path: Path) -> None:
    """Before, validate and plan both skipped ``catalog/freezes -> ../shared/freezes`` without a word: the freeze
    in it stopped nothing, and the gate opened inside it."""
    repo = _repo(
        tmp_path,
        {
            "catalog/ops.yaml": team("ops"),
            "shared/freezes/xmas.yaml": _freeze("xmas"),
            "shared/freezes/more/n.yaml": _freeze("ny"),
        },
        {"catalog/freezes": "../shared/freezes"},
    )
    records, findings = _both(repo)
    assert records == [
        ("catalog/freezes/more/n.yaml", "ny"),
        ("catalog/freezes/xmas.yaml", "xmas"),
        ("catalog/ops.yaml", "ops"),
    ]
    assert findings == []


def test_a_linked_folder_whose_folder_is_read_anyway_is_not_read_twice(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path, {"catalog/v2/ops.yaml": team("ops")}, {"catalog/current": "v2", "changes/mine": "../catalog/v2"}
    )
    assert _both(repo) == ([("catalog/v2/ops.yaml", "ops")], [])


@pytest.mark.parametrize(
    "links",
    [
        {"catalog/freezes": "../shared", "shared/up": "."},  # a followed folder linking to itself
        {"catalog/freezes": "../shared", "shared/up": ".."},  # ... to the root, which holds catalog/
        {"catalog/freezes": "../shared", "shared/a": "../other", "other/b": "../shared"},  # a ring of two
        {"catalog/root": ".."},  # the root holds catalog/ itself
    ],
    ids=["self", "root-from-inside", "ring", "root"],
)
def test_a_linked_folder_that_loops_is_refused_in_both(tmp_path: Path, links: dict[str, str]) -> None:
    repo = _repo(
        tmp_path,
        {"catalog/ops.yaml": team("ops"), "shared/f.yaml": _freeze("xmas"), "other/g.yaml": _freeze("ny")},
        links,
    )
    records, findings = _both(repo)
    assert ("catalog/ops.yaml", "ops") in records
    assert findings and all(rule == "unsafe-path" and "loops" in message for rule, _, message in findings), findings


def test_validate_and_gate_see_a_freeze_in_a_linked_folder(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import change, service

    window = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")
    repo = _repo(
        tmp_path,
        {
            "catalog/org.yaml": team() + "---\n" + service("shop"),
            "shared/freezes/xmas.yaml": _freeze("xmas"),
            "changes/chg-1.yaml": change("chg-1", "[service:shop]", *window, status="approved"),
        },
        {"catalog/freezes": "../shared/freezes"},
    )
    gate = run_cli("-C", str(repo.root), "gate", "--service", "shop", "--at", "2026-12-08T22:30:00+01:00")
    assert gate.exit_code == 1 and "freeze 'xmas'" in gate.stdout, gate.stdout
    # plan reads it from git objects too, and an edit behind the link is an edit of the freeze.
    repo.branch("pr")
    repo.commit(
        "end the freeze early", {"shared/freezes/xmas.yaml": _freeze("xmas").replace("2026-12-31", "2026-12-02")}
    )
    from itsmctl.flow.plan import build_plan

    plan = build_plan(repo.repo, "main", "pr")
    assert [(d.kind, d.name, d.action) for d in plan.records] == [("Freeze", "xmas", "modified")]

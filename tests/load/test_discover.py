"""Discovery in real directories: record folders, hidden folders, symlinks that escape."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from itsmctl.errors import ItsmError
from itsmctl.load.discover import discover
from itsmctl.load.repository import load_tree
from itsmctl.validation import validate_path
from tests.conftest import write_files

TEAM = "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: %s}\nspec: {members: [alice]}\n"


def _names(root: Path) -> list[str]:
    return [p.relative_to(root.resolve()).as_posix() for p in discover(root).files]


def test_only_record_folders_when_present(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "catalog/a.yaml": TEAM % "a",
            "changes/2026/b.yml": TEAM % "b",
            "policies/c.yaml": TEAM % "c",
            "other/d.yaml": TEAM % "d",
            "catalog/.hidden/e.yaml": TEAM % "e",
            "catalog/.f.yaml": TEAM % "f",
            "catalog/notes.txt": "x",
            "catalog/knowledge/kb.md": "---\nowner: team:a\nreviewDate: 2999-01-01\n---\n# hi\n",
            "changes/readme.md": "not an article",
        },
    )
    assert _names(tmp_path) == ["catalog/a.yaml", "catalog/knowledge/kb.md", "changes/2026/b.yml", "policies/c.yaml"]


def test_whole_tree_when_no_record_folder(tmp_path: Path) -> None:
    write_files(tmp_path, {"x/a.yaml": TEAM % "a", ".git/b.yaml": TEAM % "b", "c.yaml": TEAM % "c"})
    assert _names(tmp_path) == ["c.yaml", "x/a.yaml"]


def test_symlink_out_of_the_repository_is_reported_and_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "secret.yaml"
    secret.parent.mkdir()
    secret.write_text("apiVersion: itsm/v1\nkind: Nonsense\n")  # would be a finding if it were read
    root = write_files(tmp_path / "repo", {"catalog/a.yaml": TEAM % "a", "catalog/b.yaml": TEAM % "b"})
    os.symlink(secret, root / "catalog" / "link.yaml")
    os.symlink(root / "catalog" / "b.yaml", root / "catalog" / "inside.yaml")
    os.symlink(root / "catalog" / "missing.yaml", root / "catalog" / "dangling.yaml")
    result = validate_path(root)
    rules = sorted((f.rule, f.location.path) for f in result.findings)
    assert rules == [
        ("duplicate-name", "catalog/inside.yaml"),  # the link inside is followed (and b is defined twice)
        ("unsafe-path", "catalog/dangling.yaml"),
        ("unsafe-path", "catalog/link.yaml"),
    ]


def test_symlinked_record_folder_pointing_outside(tmp_path: Path) -> None:
    outside = write_files(tmp_path / "elsewhere", {"a.yaml": TEAM % "a"})
    root = tmp_path / "repo"
    root.mkdir()
    os.symlink(outside, root / "catalog")
    result = load_tree(root)
    assert [f.rule for f in result.findings] == ["unsafe-path"]
    assert result.catalog.records == []


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_bad_roots_are_usage_errors(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "nope"
    if kind == "file":
        target.write_text("x")
    with pytest.raises(ItsmError):
        load_tree(target)

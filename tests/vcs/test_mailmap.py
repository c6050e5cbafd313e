"""``.mailmap`` read from git objects: at one revision, and every version in a history."""

from __future__ import annotations

import os
from pathlib import Path

from itsmctl.vcs.mailmap import mailmap_history, read_mailmap
from tests.gitrepo import GitRepo


def test_the_mailmap_at_a_revision_and_every_version_in_its_history(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("none yet", {"README.md": "x"})
    assert read_mailmap(repo.repo, "HEAD") == "" and mailmap_history(repo.repo, "HEAD") == []
    repo.commit("tie", {".mailmap": "csmith <carol@acme.example>\n"})
    repo.commit("retie", {".mailmap": "<dave@acme.example> <dave@old.example>\n"})
    assert read_mailmap(repo.repo, "HEAD") == "<dave@acme.example> <dave@old.example>\n"
    repo.commit("gone", {".mailmap": None})
    assert read_mailmap(repo.repo, "HEAD") == ""
    # A tie written once still ties: ties only ever exclude, so reading them all is never a false pass.
    assert sorted(mailmap_history(repo.repo, "HEAD")) == [
        "<dave@acme.example> <dave@old.example>\n",
        "csmith <carol@acme.example>\n",
    ]


def test_a_mailmap_that_is_a_symlink_is_not_followed(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    (repo.root / "people").write_text("csmith <carol@acme.example>\n")
    os.symlink("people", repo.root / ".mailmap")
    repo.repo.index.add(["people", ".mailmap"])
    repo.repo.index.commit("link")
    assert read_mailmap(repo.repo, "HEAD") == ""
    assert mailmap_history(repo.repo, "HEAD") == []

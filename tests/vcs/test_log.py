"""Commit dates Python cannot hold (git takes any 64-bit timestamp) are an input error, not an internal one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import team
from tests.gitrepo import GitRepo


@pytest.mark.parametrize("command", [["audit"], ["metrics"]])
def test_a_commit_from_the_year_3170843_is_reported_with_its_sha(tmp_path: Path, run_cli, monkeypatch, command) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path / "repo")
    repo.commit("teams", {"catalog/teams.yaml": team()})
    repo.write({"catalog/teams.yaml": team("dev")})
    monkeypatch.setenv("GIT_AUTHOR_DATE", "@99999999999999 +0000")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "@99999999999999 +0000")
    repo.repo.git.commit("-m", "from the future")
    result = run_cli("-C", str(repo.root), *command)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "has a date itsmctl cannot read: '3170843-11-07T09:46:39+00:00'" in result.stderr
    assert "internal error" not in result.stderr

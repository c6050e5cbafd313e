"""Real git repositories built commit by commit in tmp dirs, for flow and audit tests."""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path

import git


class GitRepo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.repo = git.Repo.init(root, initial_branch="main")
        with self.repo.config_writer() as config:
            config.set_value("user", "name", "Test User")
            config.set_value("user", "email", "test@example.com")
            config.set_value("commit", "gpgsign", "false")

    def write(self, files: dict[str, str | None]) -> None:
        for name, content in files.items():
            path = self.root / name
            if content is None:
                if path.exists():
                    self.repo.index.remove([name], working_tree=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(content), encoding="utf-8")
            self.repo.index.add([name])

    def commit(
        self,
        message: str,
        files: dict[str, str | None] | None = None,
        author: str = "Alice <alice@example.com>",
        when: datetime | str | None = None,
    ) -> str:
        if files:
            self.write(files)
        name, _, email = author.partition(" <")
        actor = git.Actor(name, email.rstrip(">"))
        moment = datetime.fromisoformat(when) if isinstance(when, str) else when
        # GitPython takes ISO 8601 with the offset written without a colon.
        date = moment.strftime("%Y-%m-%dT%H:%M:%S%z") if moment else None
        kwargs = {"author_date": date, "commit_date": date} if date else {}
        commit = self.repo.index.commit(message, author=actor, committer=actor, **kwargs)
        return commit.hexsha

    def branch(self, name: str, start: str = "HEAD") -> None:
        self.repo.git.checkout("-b", name, start)

    def checkout(self, name: str) -> None:
        self.repo.git.checkout(name)

    def merge(
        self, branch: str, message: str, author: str = "Maintainer <maint@example.com>", when: str | None = None
    ) -> str:
        env = {}
        name, _, email = author.partition(" <")
        env.update(
            GIT_AUTHOR_NAME=name,
            GIT_AUTHOR_EMAIL=email.rstrip(">"),
            GIT_COMMITTER_NAME=name,
            GIT_COMMITTER_EMAIL=email.rstrip(">"),
        )
        if when:
            env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
        self.repo.git.merge("--no-ff", branch, "-m", message, env=env)
        return self.repo.head.commit.hexsha

    def mv(self, old: str, new: str) -> None:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self.repo.git.mv(old, new)

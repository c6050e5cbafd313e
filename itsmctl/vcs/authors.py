"""Who wrote the commits a merge brings in: they cannot approve their own work.

A merge with parents (p0, p1, ...) brings in the commits reachable from p1...
but not from p0 (``git log p1 --not p0``). One git process per merge would
cost a process per pull request in an audit of thousands; instead one
``git log`` lists every commit's parents and author once, and the replay keeps
the set of commits already on the branch, so the whole audit walks each commit
at most once. Merges must be asked about in first-parent order, oldest first.
"""

from __future__ import annotations

from collections.abc import Iterable

import git

from itsmctl.errors import ItsmError
from itsmctl.vcs.log import CommitInfo


class MergedAuthors:
    def __init__(self, repo: git.Repo, head: str) -> None:
        self.repo = repo
        self.head = head
        # sha -> (parents, author e-mail in lower case); read when first needed.
        self._graph: dict[str, tuple[list[str], str]] | None = None
        # Every commit reachable from the first parent of the last merge asked about.
        self._landed: set[str] = set()
        # The answer for each merge asked about: it is asked again for every change (and for the
        # records' owners) that one merge authorises, and by then its commits have landed.
        self._answers: dict[str, frozenset[str]] = {}

    def _commits(self) -> dict[str, tuple[list[str], str]]:
        if self._graph is None:
            try:
                listing = self.repo.git.log("--format=%H%x09%P%x09%ae", self.head)
            except git.GitCommandError as error:
                raise ItsmError(f"git log failed: {error.stderr.strip() or error}") from None
            self._graph = {}
            for line in listing.splitlines():
                sha, parents, email = line.split("\t", 2)
                self._graph[sha] = (parents.split(), email.lower())
        return self._graph

    def _land(self, starts: Iterable[str]) -> list[str]:
        """Commits reachable from ``starts`` that had not landed yet; they have now."""
        graph = self._commits()
        found = []
        pending = [sha for sha in starts if sha not in self._landed]
        while pending:
            sha = pending.pop()
            if sha in self._landed:
                continue
            self._landed.add(sha)
            found.append(sha)
            parents, _ = graph.get(sha, ([], ""))  # a shallow clone ends somewhere
            pending.extend(parent for parent in parents if parent not in self._landed)
        return found

    def of(self, merge: CommitInfo) -> frozenset[str]:
        """E-mail addresses (lower case) of the authors of the commits ``merge`` brings in."""
        if not merge.is_merge:
            return frozenset()
        if merge.sha not in self._answers:
            self._land(merge.parents[:1])
            graph = self._commits()
            self._answers[merge.sha] = frozenset(graph[sha][1] for sha in self._land(merge.parents[1:]) if sha in graph)
        return self._answers[merge.sha]

"""Replay the history of a branch and check, at every step, that the change flow held.

The first-parent history is what landed on the branch, merge by merge. For
each commit that touches record files, the new versions of those files are
read (one ``git cat-file --batch`` for all of them), the repository state is
updated, and every change whose status moved is checked against the rules as
they stood at that moment: the policies, teams and owners of the commit's
first parent (the base it was merged into), the risk at the commit itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import git

from itsmctl.audit import checks
from itsmctl.audit.evidence import Evidence, EvidenceError, parse_evidence
from itsmctl.audit.live import LiveCatalog, changes_in, parse_blob
from itsmctl.audit.model import AuditReport, ChangeTrail, Transition
from itsmctl.findings import Finding, Location, Severity, sort_findings
from itsmctl.load.discover import RECORD_ROOTS
from itsmctl.load.discover import is_record_file as is_record_path
from itsmctl.model.kinds import Change, Window
from itsmctl.risk.history import PastOutcome
from itsmctl.vcs.authors import MergedAuthors
from itsmctl.vcs.blobs import read_blobs
from itsmctl.vcs.git import resolve_commit
from itsmctl.vcs.log import ZERO_SHA, CommitInfo, ancestry, iter_first_parent_commits
from itsmctl.vcs.notes import read_notes

_BATCH_COMMITS = 2000
_SQUASH_SUBJECT = re.compile(r"\(#(\d+)\)\s*$")
GITHUB_COMMITTER = "noreply@github.com"


def is_record_file(path: str | None) -> bool:
    return bool(path) and path.split("/", 1)[0] in RECORD_ROOTS and is_record_path(path)  # type: ignore[union-attr]


@dataclass
class _Walk:
    repo: git.Repo
    notes: dict[str, Evidence]
    authors: MergedAuthors
    live: LiveCatalog = field(default_factory=LiveCatalog)
    trails: dict[str, ChangeTrail] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    approved_windows: dict[str, Window] = field(default_factory=dict)
    first: bool = True

    def via(self, commit: CommitInfo) -> str:
        if self.first:
            return "initial commit"
        evidence = self.notes.get(commit.sha)
        if evidence is not None and evidence.pull_request is not None:
            return f"pull request #{evidence.pull_request}"
        if commit.is_merge:
            return "merge"
        squash = _SQUASH_SUBJECT.search(commit.message.splitlines()[0] if commit.message else "")
        if squash and commit.committer_email.lower() == GITHUB_COMMITTER:
            return f"pull request #{squash.group(1)} (squashed, no evidence note)"
        return "direct commit"

    blobs: dict[str, bytes] = field(default_factory=dict)

    def read(self, blob: str) -> bytes:
        data = self.blobs.get(blob)
        if data is None:  # not prefetched (should not happen): ask git directly
            data = bytes(self.repo.odb.stream(bytes.fromhex(blob)).read())
        return data

    def step(self, commit: CommitInfo) -> None:
        files = [f for f in commit.files if is_record_file(f.path) or is_record_file(f.old_path)]
        if not files:
            return
        via = self.via(commit)
        if via == "direct commit":
            self.findings.append(checks.direct_commit(commit, [f.path for f in files]))
        before: dict[str, Change] = {}
        after: dict[str, Change] = {}
        updates: list[tuple[str, list]] = []  # type: ignore[type-arg]
        for change in files:
            old_path = change.old_path or change.path
            before.update(changes_in(self.live.records(old_path)))
            if change.old_path:
                before.update(changes_in(self.live.records(change.path)))
                updates.append((change.old_path, []))
            records = (
                []
                if change.new_blob == ZERO_SHA or not is_record_file(change.path)
                else parse_blob(change.path, self.read(change.new_blob))
            )
            updates.append((change.path, records))
            after.update(changes_in(records))
        trusted = checks.Snapshot.of(self.live.catalog)
        for path, records in updates:
            self.live.replace(path, records)
        # A change moved between files is the same change; one that left every file was removed.
        for name in list(before):
            if name not in after and name in self.live.catalog.changes:
                after[name] = self.live.catalog.changes[name]
        for name in sorted(set(before) | set(after)):
            self.transition(commit, via, trusted, before.get(name), after.get(name))
        self.first = False

    def transition(
        self, commit: CommitInfo, via: str, trusted: checks.Snapshot, old: Change | None, new: Change | None
    ) -> None:
        old_status = old.status if old else None
        new_status = new.status if new else None
        current = new or old
        assert current is not None
        trail = self.trails.get(current.name)
        if trail is None:
            trail = self.trails[current.name] = ChangeTrail(current.name, current.record.path)
        if new is not None:
            trail.path, trail.title, trail.type = new.record.path, new.title, new.type
            trail.requester, trail.targets, trail.status = new.requester, new.target_refs, new.status
            trail.outcome = str(new.outcome.get("summary", ""))
        if old_status == new_status:
            return
        trail.transitions.append(
            Transition(
                old_status,
                new_status,
                commit.sha,
                commit.author,
                commit.committer,
                commit.committed,
                current.record.path,
                via,
            )
        )
        if new is None:
            trail.removed = True
            return
        if checks.authorises(old_status, new_status):
            self.authorise(commit, trusted, trail, new)
        if new_status in checks.CLOSED_WITH_OUTCOME:
            self.close(commit, trail, new)

    def authorise(self, commit: CommitInfo, trusted: checks.Snapshot, trail: ChangeTrail, change: Change) -> None:
        trail.authorised_by, trail.authorised_at = commit.sha, commit.committed
        if change.window is not None:
            self.approved_windows[change.name] = change.window
        planning = self.live.planning(change)
        result = checks.approvals_at(
            commit, change, trusted, planning, self.live, self.notes.get(commit.sha), self.authors
        )
        trail.required = [need.label for need in result.needs]
        trail.approvals = sorted({who for r in result.results for who in r.approvers})
        trail.approval_source = result.source
        self.findings.extend(result.findings)

    def close(self, commit: CommitInfo, trail: ChangeTrail, change: Change) -> None:
        self.findings.extend(checks.closing(commit, change, self.approved_windows.get(change.name), self.live))
        ended = change.actual_end or (change.window.end if change.window else commit.committed)
        self.live.record_outcome(
            PastOutcome(change.name, change.target_refs, change.status, ended, source="git history")
        )


def _notes(repo: git.Repo, findings: list[Finding]) -> dict[str, Evidence]:
    parsed: dict[str, Evidence] = {}
    for commit, raw in read_notes(repo).items():
        try:
            parsed[commit] = parse_evidence(raw)
        except EvidenceError as error:
            findings.append(
                Finding(
                    "history-rewrite",
                    Severity.ERROR,
                    f"evidence note on {commit[:12]} cannot be read: {error}",
                    Location(f"refs/notes/itsm:{commit[:12]}"),
                    details={"commit": commit},
                )
            )
    return parsed


def run_audit(repo: git.Repo, rev: str = "HEAD") -> AuditReport:
    head = resolve_commit(repo, rev)
    findings: list[Finding] = []
    notes = _notes(repo, findings)
    walk = _Walk(repo, notes, MergedAuthors(repo, head.hexsha), findings=findings)
    commits = 0
    batch: list[CommitInfo] = []

    def replay() -> None:
        # Fetch the blobs of a batch of commits in one pipelined read, then replay them.
        wanted = [f.new_blob for c in batch for f in c.files if f.new_blob != ZERO_SHA and is_record_file(f.path)]
        walk.blobs = read_blobs(repo, wanted)
        for commit in batch:
            walk.step(commit)
        batch.clear()

    for commit in iter_first_parent_commits(repo, head.hexsha, list(RECORD_ROOTS)):
        commits += 1
        batch.append(commit)
        if len(batch) >= _BATCH_COMMITS:
            replay()
    replay()
    reachable = ancestry(repo, head.hexsha) if notes else set()
    for sha, evidence in notes.items():
        if sha not in reachable:
            findings.append(checks.rewritten(sha, evidence))
    trails = sorted(
        walk.trails.values(), key=lambda t: (t.transitions[0].date if t.transitions else datetime.min, t.name)
    )
    return AuditReport(head.hexsha, commits, trails, sort_findings(walk.findings), notes=len(notes))

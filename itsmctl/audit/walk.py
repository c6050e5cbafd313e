"""Replay the history of a branch and check, at every step, that the change flow held.

The first-parent history is what landed on the branch, merge by merge. For
each commit that touches record files, the new versions of those files are
read (one ``git cat-file --batch`` for all of them), the repository state is
updated, and every change whose status moved is checked against the rules as
they stood at that moment: the lifecycle ``plan`` enforces, the policies, teams
and owners of the commit's first parent (the base it was merged into), the
risk at the commit itself. Records that fail to load are reported where they
appear. Evidence notes are judged once the replay has reached the audited
revision (its policies have a say in whose notes to believe); what depends on
that verdict is worked out during the replay and settled in ``finish``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

import git

from itsmctl.audit import checks
from itsmctl.audit.approvals import ApprovalCount, Snapshot, requested, variants
from itsmctl.audit.invalid import InvalidFiles
from itsmctl.audit.live import LiveCatalog, Problem, changes_in, parse_checked
from itsmctl.audit.model import AuditReport, ChangeTrail, Transition
from itsmctl.audit.notes import EvidenceNotes
from itsmctl.audit.owners import OwnedEdits, OwnerCount
from itsmctl.audit.trust import NOT_CHECKED, TRUSTED
from itsmctl.findings import Finding, sort_findings
from itsmctl.flow.approvals import ApprovalNeed
from itsmctl.flow.identities import NOBODY_TIED, Identities, identities_of, team_ties_in
from itsmctl.flow.templates import template_match
from itsmctl.load.discover import RECORD_ROOTS
from itsmctl.load.discover import is_record_file as is_record_path
from itsmctl.load.records import policy_in_doubt
from itsmctl.model.kinds import Change, Window
from itsmctl.model.record import Record
from itsmctl.risk.history import PastOutcome
from itsmctl.risk.score import LEVELS, RiskAssessment, assess
from itsmctl.vcs.authors import MergedAuthors
from itsmctl.vcs.blobs import read_blobs
from itsmctl.vcs.git import resolve_commit
from itsmctl.vcs.log import (
    ZERO_SHA,
    CommitInfo,
    FileChange,
    ancestry,
    iter_first_parent_commits,
    later_on_refs,
)
from itsmctl.vcs.mailmap import mailmap_history

_BATCH_COMMITS = 2000
# A symlink's records are its target's, replayed at the target's path; a submodule holds none.
_NOT_CONTENT = frozenset({"120000", "160000"})
_SQUASH_SUBJECT = re.compile(r"\(#(\d+)\)\s*$")
GITHUB_COMMITTER = "noreply@github.com"


def is_record_file(path: str | None) -> bool:
    return path is not None and path.split("/", 1)[0] in RECORD_ROOTS and is_record_path(path)


def _has_records(change: FileChange) -> bool:
    return change.new_blob != ZERO_SHA and change.new_mode not in _NOT_CONTENT and is_record_file(change.path)


@dataclass(frozen=True)
class BaseReading:
    """A change's risk on the catalog before the commit, and the template that pre-approved it there per level."""

    risk: RiskAssessment
    templates: dict[str, str | None]


@dataclass(frozen=True)
class _NoteClaim:
    """A commit that came by pull request only if its evidence note is believed."""

    commit: CommitInfo
    fallback: str  # how it came without the note
    paths: list[str]


@dataclass
class _Walk:
    repo: git.Repo
    notes: EvidenceNotes
    authors: MergedAuthors
    live: LiveCatalog = field(default_factory=LiveCatalog)
    trails: dict[str, ChangeTrail] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    approved_windows: dict[str, Window] = field(default_factory=dict)
    invalid: InvalidFiles = field(default_factory=InvalidFiles)
    # Changes whose file turned invalid: their last valid version, and its path (see ``step``).
    unreadable: dict[str, tuple[str, Change]] = field(default_factory=dict)
    authorisations: list[tuple[ChangeTrail, ApprovalCount]] = field(default_factory=list)
    claims: list[_NoteClaim] = field(default_factory=list)
    # Commits that edit owned records: what their owners had to approve, and what was recorded (audit.owners).
    owner_needs: dict[str, list[ApprovalNeed]] = field(default_factory=dict)
    owner_counts: list[OwnerCount] = field(default_factory=list)
    # Files that held a Policy and do not load now (an invalid Policy, or a file that is no YAML at all).
    invalid_policies: set[str] = field(default_factory=set)
    first: bool = True
    blobs: dict[str, bytes] = field(default_factory=dict)
    # Every .mailmap in the audited history: who is one person under several names (flow.identities).
    mailmap: Identities = NOBODY_TIED

    def plain_via(self, commit: CommitInfo) -> str:
        """How the commit came to the branch, going by git alone."""
        if self.first:
            return "initial commit"
        if commit.is_merge:
            return "merge"
        squash = _SQUASH_SUBJECT.search(commit.message.splitlines()[0] if commit.message else "")
        if squash and commit.committer_email.lower() == GITHUB_COMMITTER:
            return f"pull request #{squash.group(1)} (squashed, no evidence note)"
        return "direct commit"

    def via(self, commit: CommitInfo, paths: list[str]) -> str:
        plain = self.plain_via(commit)
        evidence = self.notes.get(commit.sha)
        if self.first or evidence is None or evidence.pull_request is None:
            return plain
        self.claims.append(_NoteClaim(commit, plain, paths))  # settled in ``finish``
        return f"pull request #{evidence.pull_request}"

    def read(self, blob: str) -> bytes:
        data = self.blobs.get(blob)
        if data is None:  # not prefetched (should not happen): ask git directly
            data = bytes(self.repo.odb.stream(bytes.fromhex(blob)).read())
        return data

    def _changes(self, path: str) -> dict[str, Change]:
        """The changes in a file as last replayed; one that turned invalid there keeps its last valid version."""
        found = {name: change for name, (where, change) in self.unreadable.items() if where == path}
        found.update(changes_in(self.live.records(path)))
        return found

    def step(self, commit: CommitInfo) -> None:
        files = [f for f in commit.files if is_record_file(f.path) or is_record_file(f.old_path)]
        if not files:
            return
        via = self.via(commit, [f.path for f in files])
        before: dict[str, Change] = {}
        came_from: dict[str, str] = {}
        after: dict[str, Change] = {}
        broken: set[str] = set()  # paths whose new version has problems: what is missing from them is unknown
        updates: list[tuple[str, list[Record]]] = []
        policy_doubts: dict[str, bool] = {}
        for change in files:
            old_path = change.old_path or change.path
            for path in dict.fromkeys((old_path, change.path)):
                for name, found in self._changes(path).items():
                    before[name], came_from[name] = found, path
            if change.old_path:
                updates.append((change.old_path, []))
            records: list[Record] = []
            problems: list[Problem] = []
            if _has_records(change):
                records, problems = parse_checked(change.path, self.read(change.new_blob))
            self.invalid.update(commit.sha, change.path, problems, change.old_path)
            if problems:
                broken.update({change.path, old_path})
            policy_doubts[old_path] = False
            policy_doubts[change.path] = self._policy_in_doubt(old_path, records, problems)
            updates.append((change.path, records))
            after.update(changes_in(records))
        # Team aliases as the commit leaves them count too: plan reads the head's (ties only ever exclude).
        new_ties = team_ties_in(records for _, records in updates)
        trusted = Snapshot.of(self.live.catalog, self.invalid_policies, self.mailmap.joined(new_ties))
        self.notes.seen_at(commit.sha, trusted.policies)
        for path, doubt in policy_doubts.items():
            (self.invalid_policies.add if doubt else self.invalid_policies.discard)(path)
        base = self._read_base(before, after, updates)
        edits = OwnedEdits.at(self.live, updates, before, after) if not self.first else OwnedEdits()
        self._owners(commit, via, [f.path for f in files], trusted, edits)
        for path, records in updates:
            self.live.replace(path, records)
        for name in list(before):
            gap = self.unreadable.pop(name, None)
            if name in after:
                continue
            if name in self.live.catalog.changes:
                after[name] = self.live.catalog.changes[name]  # moved to a file this commit did not touch
            elif came_from[name] in broken:
                # Invalid now (reported as such), not removed: once valid again, its step is judged from here.
                self.unreadable[name] = (came_from[name], before.pop(name))
            elif gap is not None and gap[0] != came_from[name]:
                self.unreadable[name] = gap  # its invalid file was not touched by this commit
        for name in sorted(set(before) | set(after)):
            self.transition(commit, via, trusted, before.get(name), after.get(name), base.get(name))
        self.first = False

    def _owners(self, commit: CommitInfo, via: str, paths: list[str], trusted: Snapshot, edits: OwnedEdits) -> None:
        """What the commit's edits to owned records needed of their owners, and what it recorded (audit.owners)."""
        if edits.needs:
            self.owner_needs[commit.sha] = edits.needs
        if via == "direct commit":
            self.findings.append(checks.direct_commit(commit, paths, edits.needs))
        elif edits.needs:
            evidence, writer = self.notes.get(commit.sha), self.notes.writer(commit.sha)
            recorded = variants(commit, edits.requesters, trusted, evidence, writer, self.authors)
            self.owner_counts.append(OwnerCount.at(commit.sha, edits.needs, recorded, edits.requesters, edits.where))

    def _policy_in_doubt(self, old_path: str, records: list[Record], problems: list[Problem]) -> bool:
        """Whether a file's new version may hide a Policy: one that does not load, or a file that does not
        load at all where a Policy was (or under policies/)."""
        unreadable = any(record is None for record, _ in problems)
        had_policy = any(r.kind == "Policy" for r in self.live.records(old_path))
        return policy_in_doubt(old_path, records, unreadable, had_policy)

    def _read_base(
        self, before: dict[str, Change], after: dict[str, Change], updates: list[tuple[str, list[Record]]]
    ) -> dict[str, BaseReading]:
        """Risk on the catalog before the commit, of the changes it authorises, as ``plan`` reads it on the base
        branch: a commit cannot lower its own bar (a tier, a dependsOn link, another change's window, ...).

        Only when the commit edits more than one change or anything else: otherwise both readings are the same.
        """
        names = {*before, *after}
        kinds = {r.kind for path, records in updates for r in (*self.live.records(path), *records)}
        if len(names) <= 1 and kinds <= {"Change"}:
            return {}
        readings = {}
        for name, change in after.items():
            old = before.get(name)
            if checks.authorises(old.status if old else None, change.status):
                risk = assess(change, self.live.planning(change))
                templates = {}
                if change.type == "standard":
                    templates = {level: template_match(change, self.live.catalog, level) for level in LEVELS}
                readings[name] = BaseReading(risk, templates)
        return readings

    def _assess(self, change: Change, base: BaseReading | None = None) -> tuple[list[RiskAssessment], str | None]:
        """The change's risk readings (at the commit, and before it when they may differ), and the template
        that pre-approves it on both at the stricter level."""
        risks = [assess(change, self.live.planning(change))]
        if base is not None:
            risks.append(base.risk)
        level = max((risk.level for risk in risks), key=LEVELS.index)
        template = template_match(change, self.live.catalog, level) if change.type == "standard" else None
        if base is not None and template is not None and base.templates.get(level) != template:
            template = None  # pre-approved only by a template both sides have
        return risks, template

    def transition(
        self,
        commit: CommitInfo,
        via: str,
        trusted: Snapshot,
        old: Change | None,
        new: Change | None,
        base: BaseReading | None = None,
    ) -> None:
        old_status = old.status if old else None
        new_status = new.status if new else None
        current = new or old
        assert current is not None
        trail = self.trails.get(current.name)
        if trail is None:
            trail = self.trails[current.name] = ChangeTrail(current.name, current.record.path)
        assessed: tuple[list[RiskAssessment], str | None] | None = None
        if new is not None:
            trail.path, trail.title, trail.type = new.record.path, new.title, new.type
            trail.requester, trail.targets, trail.status = new.requester, new.target_refs, new.status
            trail.outcome = str(new.outcome.get("summary", ""))
            if not self.first:  # the first commit imports history as it stands
                lifecycle = checks.lifecycle(commit.sha, old, new, pre_approved=False)
                if lifecycle and new.type == "standard":  # allowed after all if a template pre-approves it
                    assessed = self._assess(new, base)
                    lifecycle = checks.lifecycle(commit.sha, old, new, pre_approved=assessed[1] is not None)
                self.findings.extend(lifecycle)
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
            self.authorise(commit, trusted, trail, new, assessed or self._assess(new, base))
        if new_status in checks.CLOSED_WITH_OUTCOME:
            self.close(commit, trail, new)

    def authorise(
        self,
        commit: CommitInfo,
        trusted: Snapshot,
        trail: ChangeTrail,
        change: Change,
        assessed: tuple[list[RiskAssessment], str | None],
    ) -> None:
        trail.authorised_by, trail.authorised_at = commit.sha, commit.committed
        if change.window is not None:
            self.approved_windows[change.name] = change.window
        risks, template = assessed
        recorded = variants(
            commit, requested(change), trusted, self.notes.get(commit.sha), self.notes.writer(commit.sha), self.authors
        )
        count = ApprovalCount.at(commit, change, risks, template, trusted, self.live, recorded)
        self.authorisations.append((trail, count))

    def close(self, commit: CommitInfo, trail: ChangeTrail, change: Change) -> None:
        self.findings.extend(checks.closing(commit, change, self.approved_windows.get(change.name), self.live))
        ended = change.actual_end or (change.window.end if change.window else commit.committed)
        self.live.record_outcome(
            PastOutcome(change.name, change.target_refs, change.status, ended, source="git history")
        )

    def finish(self) -> None:
        """Judge the evidence notes, then settle what depended on them, in history order."""
        self.notes.judge(self.repo, self.live.policies())
        for trail, count in self.authorisations:
            check = count.resolve(self.notes.believed(count.note) if count.note else None)
            trail.required = [need.label for need in check.needs]
            trail.approvals = sorted({who for r in check.results for who in r.approvers})
            trail.approval_source = check.source
            trail.ignored = check.ignored
            self.findings.extend(check.findings)
        relabel: dict[str, str] = {}
        for claim in self.claims:
            trust = self.notes.believed(claim.commit.sha)
            verdict = trust.verdict if trust is not None else None
            # A merge is a merge anyway; that anything else came by pull request, only a note whose writer
            # a policy trusts can say (or GitHub, which commits squash and rebase merges itself).
            github = claim.commit.is_merge or claim.commit.committer_email.lower() == GITHUB_COMMITTER
            if verdict == TRUSTED or (verdict == NOT_CHECKED and github):
                continue
            relabel[claim.commit.sha] = claim.fallback
            if claim.fallback == "direct commit":
                needs = self.owner_needs.get(claim.commit.sha, [])
                self.findings.append(checks.direct_commit(claim.commit, claim.paths, needs))
        for owners in self.owner_counts:
            if relabel.get(owners.commit) == "direct commit":
                continue  # its direct-commit finding names the records and their owners
            self.findings.extend(owners.resolve(self.notes.believed(owners.commit) if owners.has_note else None))
        if relabel:
            for trail in self.trails.values():
                trail.transitions = [
                    replace(t, via=relabel[t.commit]) if t.commit in relabel else t for t in trail.transitions
                ]
        self.findings.extend(self.invalid.finish())


def run_audit(repo: git.Repo, rev: str = "HEAD") -> AuditReport:
    head = resolve_commit(repo, rev)
    notes = EvidenceNotes(repo)
    walk = _Walk(repo, notes, MergedAuthors(repo, head.hexsha))
    walk.mailmap = identities_of((), mailmap_history(repo, head.hexsha))
    commits = 0
    batch: list[CommitInfo] = []

    def replay() -> None:
        # Fetch the blobs of a batch of commits in one pipelined read, then replay them.
        wanted = [f.new_blob for c in batch for f in c.files if _has_records(f)]
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
    walk.finish()
    # Notes of merges that came later on some branch (auditing an older revision) are not rewritten history.
    reachable = ancestry(repo, head.hexsha) | later_on_refs(repo, head.hexsha) if len(notes) else set()
    findings = [*walk.findings, *notes.findings(reachable)]
    trails = sorted(
        walk.trails.values(), key=lambda t: (t.transitions[0].date if t.transitions else datetime.min, t.name)
    )
    return AuditReport(
        head.hexsha, commits, trails, sort_findings(findings), notes=len(notes), evidence=notes.records()
    )

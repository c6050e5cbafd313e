"""The evidence notes of a repository, who wrote each, and the verdict on each (see ``audit.trust``).

Read once before the replay: the notes (one ``git notes list`` and one batched
read), and who wrote each (one ``git log`` over the notes ref). The replay
records the policies in force at each annotated commit it reaches; ``judge``
then decides every note, verifying signatures (one more git process) only when
some policy asks for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import git

from itsmctl.audit.evidence import Evidence, EvidenceError, parse_evidence
from itsmctl.audit.model import NoteRecord
from itsmctl.audit.trust import UNTRUSTED, EvidenceSettings, NoteTrust, judge
from itsmctl.findings import Finding, Location, Severity
from itsmctl.model.kinds import Policy
from itsmctl.vcs.notes import FULL_REF, NoteWriter, note_blobs, note_writers, read_notes, signatures

UNTRUSTED_RULE = "untrusted-evidence"
REWRITE_RULE = "history-rewrite"


class EvidenceNotes:
    def __init__(self, repo: git.Repo) -> None:
        blobs = note_blobs(repo)
        self.writers: dict[str, NoteWriter] = note_writers(repo, blobs)
        self.evidence: dict[str, Evidence] = {}
        self.unreadable: dict[str, str] = {}
        for commit, raw in read_notes(repo, blobs).items():
            try:
                self.evidence[commit] = parse_evidence(raw)
            except EvidenceError as error:
                self.unreadable[commit] = str(error)
        self._settings_at: dict[str, EvidenceSettings] = {}
        self.trust: dict[str, NoteTrust] = {}

    def __len__(self) -> int:
        return len(self.evidence) + len(self.unreadable)

    def __contains__(self, commit: str) -> bool:
        return commit in self.evidence or commit in self.unreadable

    def get(self, commit: str) -> Evidence | None:
        return self.evidence.get(commit)

    def writer(self, commit: str) -> NoteWriter | None:
        return self.writers.get(commit)

    def seen_at(self, commit: str, policies: Iterable[Policy]) -> None:
        """The policies in force at the annotated commit's base (the replay reached it)."""
        if commit in self and commit not in self._settings_at:
            self._settings_at[commit] = EvidenceSettings.of(policies)

    def _problems(self, commit: str) -> list[str]:
        if commit in self.unreadable:
            return [self.unreadable[commit]]
        evidence = self.evidence[commit]
        if evidence.merge_commit != commit:
            return [f"records merge {evidence.merge_commit[:12]} but is attached to {commit[:12]}: not its evidence"]
        return []

    def judge(self, repo: git.Repo, head_policies: Iterable[Policy]) -> None:
        """Decide every note, under the stricter of its commit's policies and the audited revision's."""
        head = EvidenceSettings.of(head_policies)
        settings = {
            c: self._settings_at.get(c, EvidenceSettings()).stricter(head) for c in [*self.evidence, *self.unreadable]
        }
        to_verify = [
            self.writers[c].notes_commit for c, s in settings.items() if s.require_signed and c in self.writers
        ]
        verified = signatures(repo, to_verify)
        for commit, rules in settings.items():
            writer = self.writers.get(commit)
            if writer is not None and writer.notes_commit in verified:
                status, signer = verified[writer.notes_commit]
                writer = self.writers[commit] = replace(writer, signature=status, signer=signer)
            self.trust[commit] = judge(writer, rules, self._problems(commit))

    def believed(self, commit: str) -> NoteTrust | None:
        return self.trust.get(commit)

    def records(self) -> list[NoteRecord]:
        found = []
        for commit in sorted([*self.evidence, *self.unreadable]):
            evidence = self.evidence.get(commit)
            trust = self.trust[commit]
            pull = evidence.pull_request if evidence is not None else None
            w = self.writers.get(commit)
            found.append(
                NoteRecord(
                    commit,
                    pull,
                    w.notes_commit if w else None,
                    w.author if w else None,
                    w.committer if w else None,
                    w.date if w else None,
                    w.signature if w else None,
                    (w.signer or None) if w else None,
                    trust.verdict,
                    trust.reasons,
                )
            )
        return found

    def findings(self, reachable: set[str]) -> list[Finding]:
        """A note that is not evidence; evidence for a commit the branch no longer contains."""
        found = []
        for record in self.records():
            location = Location(f"{FULL_REF}:{record.commit[:12]}")
            details: dict[str, object] = {"commit": record.commit, "notesCommit": record.notes_commit}
            if record.trust == UNTRUSTED:
                who = f" (written by {record.author})" if record.author else ""
                found.append(
                    Finding(
                        UNTRUSTED_RULE,
                        Severity.ERROR,
                        f"the evidence note on {record.commit[:12]}{who} is not evidence: {'; '.join(record.reasons)}",
                        location,
                        "evidence is written by `itsmctl evidence record` in the main-branch workflow, "
                        "as an identity listed in a Policy's spec.evidence.writers",
                        details,
                    )
                )
            elif record.commit not in reachable:
                pr = f" (pull request #{record.pull_request})" if record.pull_request else ""
                found.append(
                    Finding(
                        REWRITE_RULE,
                        Severity.ERROR,
                        f"approval evidence was recorded for {record.commit[:12]}{pr}, which is no longer in the "
                        "history of this branch",
                        location,
                        "someone rewrote the branch after merge; compare with the remote and the evidence",
                        details,
                    )
                )
        return found

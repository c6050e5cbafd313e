"""Whether an evidence note is evidence: who wrote it, against who a Policy allows to.

A note under ``refs/notes/itsm`` is text anyone with push access could write.
Policies name the identities allowed to write evidence (``spec.evidence.writers``)
and may require signed notes commits (``spec.evidence.requireSigned``). Both the
policies in force at the annotated commit's base and those of the audited
revision apply, the stricter wins: a policy cannot be loosened after the fact,
and a note can be written (or rewritten) long after its merge, so today's rules
hold for it too.

Three verdicts: ``trusted`` (a policy names the writers and the note passes every
rule), ``untrusted`` (it fails one, or does not belong to the commit it is
attached to: not evidence at all), ``not checked`` (no policy says whose notes
to believe: its approvals count only for members in the Team files, and what it
says GitHub answered is not believed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from itsmctl.model.kinds import Policy
from itsmctl.vcs.notes import NoteWriter
from itsmctl.vcs.trailers import parse_person

TRUSTED = "trusted"
UNTRUSTED = "untrusted"
NOT_CHECKED = "not checked"


@dataclass(frozen=True)
class EvidenceSettings:
    writers: frozenset[str] = frozenset()  # lower-case e-mail addresses; empty: not restricted
    require_signed: bool = False
    # Each set of writers that applies (from different revisions); a writer must be in all of them.
    writer_sets: tuple[frozenset[str], ...] = ()

    @classmethod
    def of(cls, policies: Iterable[Policy]) -> EvidenceSettings:
        """Every policy's setting applies: the writers any of them lists, signing if any asks."""
        writers: set[str] = set()
        signed = False
        for policy in policies:
            writers |= policy.evidence_writers
            signed = signed or policy.evidence_signed
        frozen = frozenset(writers)
        return cls(frozen, signed, (frozen,) if frozen else ())

    def stricter(self, other: EvidenceSettings) -> EvidenceSettings:
        """Both apply: a writer must be allowed by each, and signing is required if either requires it."""
        sets = tuple(dict.fromkeys((*self.writer_sets, *other.writer_sets)))
        return EvidenceSettings(self.writers | other.writers, self.require_signed or other.require_signed, sets)

    @property
    def configured(self) -> bool:
        return bool(self.writer_sets) or self.require_signed


@dataclass(frozen=True)
class NoteTrust:
    verdict: str  # TRUSTED, UNTRUSTED or NOT_CHECKED
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def counts(self) -> bool:
        """Whether the note's approvals are read at all."""
        return self.verdict != UNTRUSTED

    @property
    def vouches_for_github(self) -> bool:
        """Whether what the note says GitHub answered (team membership) is believed."""
        return self.verdict == TRUSTED


def _email(signer: str) -> str:
    person = parse_person(signer)
    return (person.email if person else signer).strip().lower()


def judge(writer: NoteWriter | None, settings: EvidenceSettings, problems: Iterable[str] = ()) -> NoteTrust:
    """The verdict on one note; ``problems``: what is wrong with the note itself (e.g. copied from another commit)."""
    reasons = list(problems)
    if writer is None:
        reasons.append("no commit of refs/notes/itsm wrote this note's text, so nobody can say who wrote it")
    else:
        for allowed in settings.writer_sets:
            strangers = sorted(writer.identities - allowed)
            if strangers:
                reasons.append(
                    f"written by {', '.join(strangers)}, not named in spec.evidence.writers ({', '.join(sorted(allowed))})"
                )
        if settings.require_signed:
            if writer.signature != "good":
                reasons.append(
                    f"the notes commit {writer.notes_commit[:12]} has no good signature ({writer.signature})"
                )
            elif settings.writer_sets and not all(_email(writer.signer) in allowed for allowed in settings.writer_sets):
                reasons.append(f"signed by {writer.signer}, not named in spec.evidence.writers")
    if problems or (reasons and settings.configured):
        return NoteTrust(UNTRUSTED, tuple(reasons))
    return NoteTrust(TRUSTED if settings.configured else NOT_CHECKED, tuple(reasons))

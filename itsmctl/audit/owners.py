"""At every commit that edits owned records, their owners' approval, as ``plan`` and ``review`` ask for it.

What a commit on the branch did to the records of the files it touched is
diffed as ``plan`` diffs a pull request (``flow.owners.owned_record_diffs``), and
``flow.owners.record_owner_needs`` says, from the catalog before the commit (the
base it was merged into), whose approval that needed. The approvals are those
recorded for the commit, read as for a change it authorises (``approvals.variants``:
the evidence note, or the merge's ``Approved-by`` trailers), and counted by the
same ``rejection``: never the pull request's author, the merger or the authors of
the merged commits, nor the requester of a change the commit adds or edits.

A direct commit cannot carry anyone's approval (no review, and trailers count only
on merges): its ``direct-commit`` finding names the owned records and their owners
instead of a second, ``missing-approval``, finding for the same commit (see ``walk``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from itsmctl.audit.approvals import (
    MISSING_RULE,
    NO_NOTE,
    SELF_RULE,
    Recorded,
    ignored,
    verdict_of,
)
from itsmctl.audit.trust import UNTRUSTED, NoteTrust
from itsmctl.findings import Finding, Location, Severity
from itsmctl.flow.approvals import ApprovalNeed, NeedResult
from itsmctl.flow.owners import owned_record_diffs, record_owner_needs
from itsmctl.load.locate import Locator
from itsmctl.model.kinds import Change
from itsmctl.model.record import Record
from itsmctl.model.refs import PREFIX_OF_KIND

if TYPE_CHECKING:
    from itsmctl.audit.live import LiveCatalog

_LOCATOR = Locator()
_SHOWN = 5


def shown(refs: tuple[str, ...] | list[str]) -> str:
    return ", ".join(refs[:_SHOWN]) + (f" and {len(refs) - _SHOWN} more" if len(refs) > _SHOWN else "")


def requesters_of(changes: list[Change]) -> dict[str, str]:
    """The requesters of the changes a commit adds or edits may not approve its record edits (as in ``review``)."""
    excluded: dict[str, str] = {}
    for change in changes:
        excluded.setdefault(
            change.requester.lower(), f"requested {change.name} in this pull request (no self-approval)"
        )
    return excluded


def where_records_are(before: list[Record], after: list[Record]) -> dict[str, Record | str]:
    """Each record's version at the commit, or the file it was removed from: where its findings point."""
    found: dict[str, Record | str] = {}
    for record in before:
        if record.kind in PREFIX_OF_KIND and record.name:
            found.setdefault(f"{PREFIX_OF_KIND[record.kind]}:{record.name}", record.path)
    for record in after:
        if record.kind in PREFIX_OF_KIND and record.name:
            ref = f"{PREFIX_OF_KIND[record.kind]}:{record.name}"
            if not isinstance(found.get(ref), Record):
                found[ref] = record
    return found


@dataclass
class OwnedEdits:
    """What a commit did to owned records (before it lands on ``live``), whose approval that needed, who is out."""

    needs: list[ApprovalNeed] = field(default_factory=list)
    requesters: dict[str, str] = field(default_factory=dict)
    where: dict[str, Record | str] = field(default_factory=dict)

    @classmethod
    def at(
        cls,
        live: LiveCatalog,
        updates: list[tuple[str, list[Record]]],
        before: dict[str, Change],
        after: dict[str, Change],
    ) -> OwnedEdits:
        """``updates``: each touched file's new records; ``before``/``after``: the changes in them."""
        old = [r for path in dict.fromkeys(path for path, _ in updates) for r in live.records(path)]
        new = [r for _, records in updates for r in records]
        needs = record_owner_needs(owned_record_diffs(old, new), live.catalog)
        if not needs:
            return cls()
        edited = [c for name, c in after.items() if name not in before or before[name].record.body != c.record.body]
        return cls(needs, requesters_of(edited), where_records_are(old, new))


@dataclass
class OwnerCount:
    """The owners' approvals of one commit's record edits, counted under each verdict its note may get."""

    commit: str
    needs: list[ApprovalNeed]
    counted: dict[str, tuple[Recorded, list[NeedResult]]]
    where: dict[str, Record | str]

    @classmethod
    def at(
        cls,
        commit: str,
        needs: list[ApprovalNeed],
        recorded: dict[str, Recorded],
        requesters: dict[str, str],
        where: dict[str, Record | str],
    ) -> OwnerCount:
        counted = {verdict: (r, r.count(needs, requesters)) for verdict, r in recorded.items()}
        return cls(commit, needs, counted, {need.records[0]: where.get(need.records[0], "") for need in needs})

    @property
    def has_note(self) -> bool:
        return NO_NOTE not in self.counted

    def resolve(self, trust: NoteTrust | None) -> list[Finding]:
        verdict = verdict_of({v: r for v, (r, _) in self.counted.items()}, trust)
        recorded, results = self.counted[verdict]
        source = recorded.source
        if verdict == UNTRUSTED and self.has_note:
            source = f"{source} (the evidence note is not trusted)" if source else "evidence note not trusted"
        findings = []
        not_counted = ignored(results)
        lacking = any(not result.satisfied for result in results)
        for who, why in not_counted:
            if lacking and recorded.is_excluded(who):
                # Part of the violation. When the others' approvals were enough, review ignored it and so does
                # the audit: a note per change already says so when the merge authorised one.
                edited = shown([ref for result in results for ref in result.need.records])
                findings.append(
                    self._finding(
                        SELF_RULE,
                        Severity.ERROR,
                        f"{who} approved the edit of {edited}, but {why}",
                        results[0].need,
                        "segregation of duties: the requester and the authors may not approve",
                    )
                )
        reasons = "; ".join(f"{who}: {why}" for who, why in not_counted)
        for result in results:
            if not result.satisfied:
                need = result.need
                findings.append(
                    self._finding(
                        MISSING_RULE,
                        Severity.ERROR,
                        f"{shown(need.records)} edited or removed with {len(result.approvers)} of {need.count} "
                        f"approval(s) from {need.team}, their owner before the commit "
                        f"({source or 'no approvals recorded'}" + (f"; not counted: {reasons})" if reasons else ")"),
                        need,
                        f"the owners of edited records approve the pull request (record-owners); "
                        f"a member of {need.team} must review it",
                    )
                )
        return findings

    def _finding(self, rule: str, severity: Severity, message: str, need: ApprovalNeed, hint: str) -> Finding:
        place = self.where.get(need.records[0], "") if need.records else ""
        location = _LOCATOR.locate(place, ("metadata", "name")) if isinstance(place, Record) else Location(place)
        details: dict[str, object] = {"commit": self.commit, "records": list(need.records), "team": need.team}
        return Finding(rule, severity, f"{message} (commit {self.commit[:12]})", location, hint, details)

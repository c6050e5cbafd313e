"""Edits to owned records need their owners' approval.

What a change needs is computed from the CMDB, SLAs, teams and standard-change
templates, so a pull request that edits them changes the bar for every later
change as well as its own. A pull request that edits or removes such a record
therefore needs one approval from the team that owns the record **on the base
branch**, whether or not it also carries a change (built-in requirement
``record-owners``, counted like any other: never the pull request's author, the
requester of a change in it, a bot, someone outside the team, or an approval of
an earlier head).

Who owns what, read from the base branch so that a pull request cannot first
hand a record to a team of its choosing:

* Service, ConfigurationItem, StandardChange, Policy, Freeze: ``spec.owner``
  (optional for Policy and Freeze: one without an owner needs nobody, and the
  ``governance-owner`` rule warns about it);
* Team: the team itself (its members on the base branch);
* SLA: the owners of the services that use it on the base branch.

A *new* Policy needs the owners of the base branch's policies (each team that
owns one): it can lower every later change's bar without touching an existing
record (``riskWeights`` that zero a factor, more ``evidence.writers``, looser
``settings``). A new Freeze needs nobody: a freeze only ever stops changes or
adds risk, and one that reuses an existing freeze's name is an edit of it.

Changes and incidents are the history risk is computed from (and incidents
the outages SLA reports count): *removing* one needs the owners, on the base
branch, of what it is about (a change's targets; an incident's services and
CIs). Editing them is their own business: a change carries its own
requirements, and incidents are updated all the time while they are open.

A record the base branch does not have needs nobody (nothing depends on it
yet); a record that only moved to another file, with no field changed, needs
nobody either. A record written a second time in another file counts as an
edit of the record the base branch has.
"""

from __future__ import annotations

from collections.abc import Iterable

from itsmctl.flow.approvals import ApprovalNeed
from itsmctl.flow.diff import RecordDiff, diff_values
from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import Change, Incident
from itsmctl.model.record import Record
from itsmctl.model.refs import NAME_PATTERN, PREFIX_OF_KIND

REQUIREMENT = "record-owners"
OWNED_KINDS = frozenset({"Service", "ConfigurationItem", "SLA", "Team", "StandardChange", "Policy", "Freeze"})
HISTORY_KINDS = frozenset({"Change", "Incident"})  # only their removal needs the owners
_SHOWN = 5  # records named in a label before "and N more"


def _team_ref(owner: object) -> str | None:
    # As written, it may be anything: only a well-formed team reference names an owner.
    if isinstance(owner, str) and owner.startswith("team:") and NAME_PATTERN.match(owner.removeprefix("team:")):
        return owner
    return None


def _declared_owner(catalog: Catalog, ref: str) -> str | None:
    """``spec.owner`` of the record, typed or (when it is invalid on the base branch) as written."""
    owner = getattr(catalog.typed(ref), "owner", None)
    if owner is None and (record := catalog.by_ref.get(ref)) is not None:
        owner = record.spec.get("owner")
    return _team_ref(owner)


def policy_owners(trusted: Catalog) -> list[str]:
    """The teams that own some Policy on the base branch (as written, when one is invalid)."""
    # by_ref, not records: the audit's live catalog keeps only the index current.
    policies = [r for r in trusted.by_ref.values() if r.kind == "Policy"]
    return sorted({owner for r in policies if (owner := _team_ref(r.spec.get("owner")))})


def _what_it_is_about(catalog: Catalog, ref: str) -> tuple[str, ...]:
    item = catalog.typed(ref)
    if isinstance(item, Change):
        return item.target_refs
    if isinstance(item, Incident):
        return (*item.services, *item.cis)
    return ()


def base_owners(trusted: Catalog, kind: str, name: str) -> list[str]:
    """The teams that own ``kind:name`` on the base branch (empty when it has none or does not exist)."""
    ref = f"{PREFIX_OF_KIND[kind]}:{name}"
    if ref not in trusted.by_ref:
        return []
    if kind == "Team":
        return [ref]
    if kind == "SLA":
        return sorted({s.owner for s in trusted.services.values() if s.sla == ref})
    if kind in HISTORY_KINDS:
        return sorted(
            {owner for about in _what_it_is_about(trusted, ref) if (owner := _declared_owner(trusted, about))}
        )
    owner = _declared_owner(trusted, ref)
    return [owner] if owner else []


def _label(team: str, edited: list[str], added: list[str]) -> str:
    label = f"1 approval(s) from {team}, owner of "
    if edited:
        label += f"the edited or removed {_shown(edited)}"
    if added:
        label += f"{', and of ' if edited else ''}the base branch's policies, for the new {_shown(added)}"
    return label


def _shown(refs: list[str]) -> str:
    return ", ".join(refs[:_SHOWN]) + (f" and {len(refs) - _SHOWN} more" if len(refs) > _SHOWN else "")


def record_owner_needs(diffs: Iterable[RecordDiff], trusted: Catalog) -> list[ApprovalNeed]:
    """One need per owning team of the owned records the pull request edits, adds again, or removes,
    and of the base branch's policies when it adds a new one."""
    edited: dict[str, set[str]] = {}
    added: dict[str, set[str]] = {}
    for diff in diffs:
        if diff.kind not in OWNED_KINDS and not (diff.kind in HISTORY_KINDS and diff.action == "removed"):
            continue
        if diff.action == "modified" and not diff.fields:
            continue  # only moved to another file
        ref = f"{PREFIX_OF_KIND[diff.kind]}:{diff.name}"
        if diff.kind == "Policy" and ref not in trusted.by_ref:
            for team in policy_owners(trusted):
                added.setdefault(team, set()).add(ref)
            continue
        for team in base_owners(trusted, diff.kind, diff.name):
            edited.setdefault(team, set()).add(ref)
    needs = []
    for team in sorted({*edited, *added}):
        refs = sorted(edited.get(team, ()))
        new = sorted(added.get(team, ()))
        needs.append(
            ApprovalNeed(
                REQUIREMENT,
                _label(team, refs, new),
                team,
                1,
                False,
                f"owned by {team} on the base branch",
                tuple(refs + new),
            )
        )
    return needs


def _keyed(records: Iterable[Record]) -> dict[tuple[str, str], Record]:
    keyed: dict[tuple[str, str], Record] = {}
    for record in records:
        if record.kind in OWNED_KINDS | HISTORY_KINDS and record.name:
            keyed.setdefault((record.kind, record.name), record)
    return keyed


def _same(one: object, other: object) -> bool:
    """Whether two record bodies are certainly equal, types included (1 == True == 1.0 in Python; not in a
    record). Most records of an edited file are unchanged: two C-speed comparisons settle those; anything else
    (an edit, or only keys in another order) goes to diff_values."""
    return one == other and repr(one) == repr(other)


def owned_record_diffs(before: Iterable[Record], after: Iterable[Record]) -> list[RecordDiff]:
    """What ``record_owner_needs`` looks at, between two versions of some files (as ``plan`` diffs them):
    the owned records added, edited or removed, and the changes and incidents removed. Only those are diffed,
    so a commit that edits one change among thousands costs next to nothing (the audit asks at every commit)."""
    old, new = _keyed(before), _keyed(after)
    diffs = []
    for key in sorted(old.keys() | new.keys()):
        kind, name = key
        was, now = old.get(key), new.get(key)
        if was is None and now is not None:
            if kind in OWNED_KINDS:
                diffs.append(RecordDiff(kind, name, "added", now.path, None))
        elif now is None and was is not None:
            diffs.append(RecordDiff(kind, name, "removed", was.path, was.path))
        elif was is not None and now is not None and kind in OWNED_KINDS and not _same(was.body, now.body):
            if fields := diff_values(was.body, now.body):
                diffs.append(RecordDiff(kind, name, "modified", now.path, was.path, fields))
    return diffs

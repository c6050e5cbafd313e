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

* Service, ConfigurationItem, StandardChange: ``spec.owner``;
* Team: the team itself (its members on the base branch);
* SLA: the owners of the services that use it on the base branch.

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
from itsmctl.flow.diff import RecordDiff
from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import Change, Incident
from itsmctl.model.refs import NAME_PATTERN, PREFIX_OF_KIND

REQUIREMENT = "record-owners"
OWNED_KINDS = frozenset({"Service", "ConfigurationItem", "SLA", "Team", "StandardChange"})
HISTORY_KINDS = frozenset({"Change", "Incident"})  # only their removal needs the owners
_SHOWN = 5  # records named in a label before "and N more"


def _declared_owner(catalog: Catalog, ref: str) -> str | None:
    """``spec.owner`` of the record, typed or (when it is invalid on the base branch) as written."""
    owner = getattr(catalog.typed(ref), "owner", None)
    if owner is None and (record := catalog.by_ref.get(ref)) is not None:
        owner = record.spec.get("owner")
    # As written, it may be anything: only a well-formed team reference names an owner.
    if isinstance(owner, str) and owner.startswith("team:") and NAME_PATTERN.match(owner.removeprefix("team:")):
        return owner
    return None


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


def _label(team: str, refs: list[str]) -> str:
    shown = ", ".join(refs[:_SHOWN]) + (f" and {len(refs) - _SHOWN} more" if len(refs) > _SHOWN else "")
    return f"1 approval(s) from {team}, owner of the edited or removed {shown}"


def record_owner_needs(diffs: Iterable[RecordDiff], trusted: Catalog) -> list[ApprovalNeed]:
    """One need per owning team of the owned records the pull request edits, adds again, or removes."""
    by_team: dict[str, list[str]] = {}
    for diff in diffs:
        if diff.kind not in OWNED_KINDS and not (diff.kind in HISTORY_KINDS and diff.action == "removed"):
            continue
        if diff.action == "modified" and not diff.fields:
            continue  # only moved to another file
        for team in base_owners(trusted, diff.kind, diff.name):
            by_team.setdefault(team, []).append(f"{PREFIX_OF_KIND[diff.kind]}:{diff.name}")
    needs = []
    for team in sorted(by_team):
        refs = sorted(set(by_team[team]))
        needs.append(
            ApprovalNeed(
                REQUIREMENT,
                _label(team, refs),
                team,
                1,
                False,
                f"owned by {team} on the base branch",
                tuple(refs),
            )
        )
    return needs

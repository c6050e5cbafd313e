"""Which logins and e-mail addresses are one person, when deciding who may **not** approve.

A change requested by the login ``carol`` must not be approved by an
``Approved-by: Carol <carol@acme.example>`` trailer, nor by a review from
another account of hers. Reviews name GitHub logins, trailers and merges name
e-mail addresses, so comparing the strings lets one person through twice. Two
identities are one person here when:

* one is a login and the other an e-mail address whose local part is that
  login, in any case (``carol`` and ``Carol@acme.example``; for GitHub's
  ``12345+carol@users.noreply.github.com`` the part after the ``+``);
* a Team ties them: ``spec.aliases`` maps a member entry to the person's other
  logins and addresses;
* the repository's ``.mailmap`` ties them: the addresses on one line, and its
  proper name when that is a single login-shaped word (``carol <carol@acme.example>``).

Two e-mail addresses with the same local part at different domains are not
tied by the first rule (``admin@`` is many people), only by a Team or ``.mailmap``.

This serves exclusion only, and only ever makes things stricter: a requester,
author or merger is also excluded under their other names, an approval recorded
by the requester under another name is still their own claim, and one person
approving under two names counts once. It never makes anyone a member of a team:
membership is decided by the Team files (and GitHub) exactly as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import Team
from itsmctl.model.record import Record

GITHUB_NOREPLY = "users.noreply.github.com"
_LOGIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38})$")
_ADDRESS = re.compile(r"<([^<>\s]+@[^<>\s]+)>")
_NAME_BEFORE = re.compile(r"^\s*([^<>]*?)\s*<")


def _normal(identity: str) -> str:
    return identity.strip().lower()


def login_of_address(address: str) -> str:
    """The login an e-mail address's local part names (lower case)."""
    local, _, domain = _normal(address).rpartition("@")
    if domain == GITHUB_NOREPLY:
        local = local.split("+", 1)[-1]  # ID+login@users.noreply.github.com
    return local


def _is_login(identity: str) -> bool:
    return "@" not in identity and bool(_LOGIN.match(identity))


@lru_cache(maxsize=4096)
def _own_keys(who: str) -> tuple[frozenset[str], frozenset[str]]:
    """One (normalised) identity's keys as excluded and as approver (see ``Identities._keys``)."""
    if "@" in who:
        login = login_of_address(who)
        return frozenset({f"id:{who}", f"id:{login}"}), frozenset({f"id:{who}", f"local:{login}"})
    if _is_login(who):
        return frozenset({f"id:{who}", f"local:{who}"}), frozenset({f"id:{who}"})
    return frozenset({f"id:{who}"}), frozenset({f"id:{who}"})


@dataclass(frozen=True)
class Identities:
    """Identities tied together (lower case): each one maps to every identity of its person, itself included."""

    groups: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def tying(cls, ties: Iterable[Iterable[str]]) -> Identities:
        """Join every set of identities in ``ties`` into one person (ties that share an identity join too)."""
        parent: dict[str, str] = {}

        def root(item: str) -> str:
            while parent[item] != item:
                parent[item] = parent[parent[item]]
                item = parent[item]
            return item

        for tie in ties:
            members = [_normal(identity) for identity in tie if identity and identity.strip()]
            for member in members:
                parent.setdefault(member, member)
            for member in members[1:]:
                parent[root(member)] = root(members[0])
        people: dict[str, set[str]] = {}
        for member in parent:
            people.setdefault(root(member), set()).add(member)
        return cls({member: frozenset(people[root(member)]) for member in parent})

    def joined(self, other: Identities) -> Identities:
        """Both sets of ties at once (reading more sources only ever ties more)."""
        if not other.groups:
            return self
        if not self.groups:
            return other
        return Identities.tying([*self.groups.values(), *other.groups.values()])

    def group(self, identity: str) -> frozenset[str]:
        who = _normal(identity)
        return self.groups.get(who, frozenset({who}))

    def _keys(self, identity: str) -> tuple[frozenset[str], frozenset[str]]:
        """(as excluded, as approver): two identities are one person when one's first meets the other's second."""
        group = self.groups.get(_normal(identity))
        if group is None:
            return _own_keys(_normal(identity))
        keys = [_own_keys(who) for who in group]
        return frozenset().union(*(k[0] for k in keys)), frozenset().union(*(k[1] for k in keys))

    def same_person(self, one: str, other: str) -> bool:
        one_excluded, one_approver = self._keys(one)
        other_excluded, other_approver = self._keys(other)
        return bool(one_excluded & other_approver or other_excluded & one_approver)

    def matching(self, identity: str, candidates: Iterable[str]) -> str | None:
        """The first of ``candidates`` that is the same person as ``identity`` (itself first), or None."""
        who = _normal(identity)
        listed = [_normal(c) for c in candidates]
        if who in listed:
            return who
        return next((candidate for candidate in listed if self.same_person(who, candidate)), None)


NOBODY_TIED = Identities()


def mailmap_ties(text: str) -> list[frozenset[str]]:
    """The identities each line of a ``.mailmap`` ties together (see the module's docstring)."""
    ties = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        addresses = _ADDRESS.findall(line)
        if not addresses:
            continue
        tie = {_normal(address) for address in addresses}
        name = _NAME_BEFORE.match(line)
        if name is not None and _is_login(_normal(name.group(1))):
            tie.add(_normal(name.group(1)))
        if len(tie) > 1:
            ties.append(frozenset(tie))
    return ties


def team_ties(aliases: dict[str, tuple[str, ...]]) -> list[frozenset[str]]:
    """A Team's ``spec.aliases``: each member entry with its other identities."""
    return [frozenset({member, *others}) for member, others in aliases.items()]


def catalog_ties(catalog: Catalog) -> list[frozenset[str]]:
    """Every Team's ``spec.aliases`` in a catalog."""
    return [tie for team in catalog.teams.values() if team.aliases for tie in team_ties(team.aliases)]


def identities_of(catalogs: Iterable[Catalog], mailmaps: Iterable[str]) -> Identities:
    """The ties that the Teams of every catalog and every ``.mailmap`` text make, together."""
    ties = [tie for catalog in catalogs for tie in catalog_ties(catalog)]
    ties += [tie for text in mailmaps for tie in mailmap_ties(text)]
    return Identities.tying(ties) if ties else NOBODY_TIED


def team_ties_in(files: Iterable[Iterable[Record]]) -> Identities:
    """The ties the Team records among ``files`` make (the audit's view of what a commit brings)."""
    ties = [
        tie for records in files for r in records if isinstance(r.typed, Team) for tie in team_ties(r.typed.aliases)
    ]
    return Identities.tying(ties) if ties else NOBODY_TIED

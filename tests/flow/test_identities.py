"""Which logins and e-mail addresses are one person, for excluding requesters, authors and mergers."""

from __future__ import annotations

import pytest

from itsmctl.flow.approvals import Approval, ApprovalNeed, count_approvals
from itsmctl.flow.identities import NOBODY_TIED, Identities, identities_of, login_of_address, mailmap_ties
from tests.conftest import load_text


@pytest.mark.parametrize(
    "one, other",
    [
        ("carol", "carol@acme.example"),
        ("Carol", "CAROL@Acme.Example"),
        ("carol", "12345+carol@users.noreply.github.com"),
        ("carol", "carol@users.noreply.github.com"),
        ("carol@acme.example", "carol@acme.example"),
    ],
)
def test_a_login_and_an_address_with_its_local_part_are_one_person(one: str, other: str) -> None:
    assert NOBODY_TIED.same_person(one, other)
    assert NOBODY_TIED.same_person(other, one)


@pytest.mark.parametrize(
    "one, other",
    [
        ("carol", "caroline@acme.example"),
        ("carol", "dave"),
        ("carol@acme.example", "carol@other.example"),  # admin@ is many people: only an explicit tie joins them
        ("carol", "carol.smith@acme.example"),
    ],
)
def test_other_identities_are_other_people_unless_tied(one: str, other: str) -> None:
    assert not NOBODY_TIED.same_person(one, other)


def test_login_of_a_noreply_address() -> None:
    assert login_of_address("12345+Carol@users.noreply.github.com") == "carol"
    assert login_of_address("a+b@acme.example") == "a+b"  # only GitHub's addresses carry an id before the +


def test_mailmap_lines_tie_their_addresses_and_a_login_shaped_name() -> None:
    text = (
        "# people\n"
        "csmith <carol@acme.example>\n"
        "Carol Smith <carol@acme.example> <c.smith@old.example>\n"
        "<dave@acme.example> <dave@users.noreply.github.com>  # a comment\n"
        "Erin Example <erin@acme.example>\n"
    )
    ties = mailmap_ties(text)
    assert frozenset({"csmith", "carol@acme.example"}) in ties
    assert frozenset({"carol@acme.example", "c.smith@old.example"}) in ties
    assert frozenset({"dave@acme.example", "dave@users.noreply.github.com"}) in ties
    assert len(ties) == 3  # a real name alone ties nothing
    people = Identities.tying(ties)
    assert people.same_person("csmith", "c.smith@old.example")  # through carol@acme.example
    assert people.same_person("dave@acme.example", "dave@users.noreply.github.com")
    assert not people.same_person("csmith", "dave@acme.example")


def test_team_aliases_tie_a_member_entry_to_its_other_names() -> None:
    team = (
        "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: cab}\n"
        "spec:\n  members: [carol, dave]\n  aliases:\n    carol: [c.smith@corp.example, csmith]\n"
    )
    loaded = load_text(team)
    assert loaded.findings == []
    people = identities_of((loaded.catalog,), ())
    assert people.same_person("csmith", "c.smith@corp.example")
    assert people.same_person("carol", "c.smith@corp.example")
    assert not people.same_person("dave", "csmith")


def test_a_team_alias_that_is_no_person_is_a_schema_finding() -> None:
    team = "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: cab}\nspec:\n  members: [carol]\n  aliases:\n    carol: ['not a person']\n"
    assert [f.rule for f in load_text(team).findings] == ["schema"]


NEED = ApprovalNeed("p/cab", "2 approval(s) from team:cab", "team:cab", 2, False)


def _members(team: str, identity: str) -> bool:
    return identity in {"carol", "carol@acme.example", "dave@acme.example", "erin@acme.example"}


def test_an_excluded_person_is_excluded_under_every_name_and_never_made_a_member() -> None:
    approvals = [Approval("carol@acme.example", "trailer"), Approval("dave@acme.example", "trailer")]
    (result,) = count_approvals(
        [NEED], approvals, {"carol": "requested chg-1 (no self-approval)"}, _members, requesters=["carol"]
    )
    assert result.approvers == ["dave@acme.example"]
    assert result.rejected == [
        ("carol@acme.example", "requested chg-1 (no self-approval); carol@acme.example is carol (the same person)")
    ]
    # A tie never makes anyone a member: frank is tied to erin, but only erin is in the team.
    people = Identities.tying([{"erin@acme.example", "frank@acme.example"}])
    (result,) = count_approvals(
        [NEED], [Approval("frank@acme.example", "trailer")], {}, _members, requesters=[], identities=people
    )
    assert result.rejected == [("frank@acme.example", "not a member of team:cab")]


def test_one_person_approving_under_two_names_counts_once() -> None:
    people = Identities.tying([{"carol", "carol@acme.example"}])
    approvals = [Approval("carol", "review"), Approval("carol@acme.example", "trailer")]
    (result,) = count_approvals([NEED], approvals, {}, _members, requesters=[], identities=people)
    assert result.approvers == ["carol"]
    assert result.rejected == [("carol@acme.example", "carol already approved; carol@acme.example is the same person")]
    assert not result.satisfied


def test_an_approval_recorded_by_the_requester_under_another_name_is_their_own_claim() -> None:
    approvals = [Approval("dave@acme.example", "trailer", recorded_by=frozenset({"carol@acme.example"}))]
    (result,) = count_approvals([NEED], approvals, {}, _members, requesters=["carol"])
    assert result.approvers == []
    assert "made by the requester" in result.rejected[0][1]

"""The example repository's policies, run on records written both ways people write them."""

from __future__ import annotations

from pathlib import Path

import pytest

from itsmctl.load.records import load_sources
from tests.conftest import REPO_ROOT

HYGIENE = (REPO_ROOT / "policies" / "catalog-hygiene.yaml").read_bytes()


def _team(members: str, lead: str) -> bytes:
    return (
        "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: ops}\n"
        f"spec:\n  members: {members}\n  lead: {lead}\n"
        "  contact: {email: ops@acme.example, slack: '#ops'}\n"
    ).encode()


def _team_findings(team: bytes) -> list[tuple[str, int]]:
    loaded = load_sources([("policies/catalog-hygiene.yaml", HYGIENE), ("catalog/teams.yaml", team)], use_cache=False)
    return [(f.rule, f.location.line) for f in loaded.findings if f.location.path == "catalog/teams.yaml"]


@pytest.mark.parametrize(
    ("members", "lead"),
    [
        ("[alice, bob]", "alice"),
        # Teams that approve with Approved-by trailers list people by e-mail; their lead too (issue 11, item 17).
        ("[alice@acme.example, bob@acme.example]", "alice@acme.example"),
        ("[alice, bob@acme.example]", "bob@acme.example"),
    ],
)
def test_a_lead_who_is_a_member_passes_in_either_form(members: str, lead: str) -> None:
    assert _team_findings(_team(members, lead)) == []


@pytest.mark.parametrize(
    ("members", "lead"),
    [
        ("[alice, bob]", "mallory"),
        ("[alice@acme.example, bob@acme.example]", "mallory@acme.example"),
        # The same person in the other form is not in the list: one team, one way to name people.
        ("[alice@acme.example, bob@acme.example]", "alice"),
        ("[alice, bob]", "alice@acme.example"),
    ],
)
def test_a_lead_who_is_not_a_member_is_reported_at_the_lead(members: str, lead: str) -> None:
    assert _team_findings(_team(members, lead)) == [("catalog-hygiene/team-lead-is-member", 6)]


@pytest.mark.parametrize("lead", ["not a person", "<alice@acme.example>", "alice@"])
def test_a_lead_that_is_neither_a_login_nor_an_address_is_a_schema_finding(lead: str) -> None:
    assert _team_findings(_team("[alice]", repr(lead))) == [("schema", 6)]


def test_the_example_repository_has_a_team_that_approves_by_e_mail(tmp_path: Path) -> None:
    """The example shows the trailer form end to end: e-mail members and lead, and the lead rule passes."""
    loaded = load_sources(
        [(p.relative_to(REPO_ROOT).as_posix(), p.read_bytes()) for p in sorted(REPO_ROOT.glob("*/**/*.yaml"))],
        use_cache=False,
    )
    teams = loaded.catalog.teams.values()
    by_mail = [t for t in teams if t.members and all("@" in m for m in t.members)]
    assert by_mail and all(t.lead and "@" in t.lead for t in by_mail)
    assert not [f for f in loaded.findings if f.rule.endswith("team-lead-is-member")]

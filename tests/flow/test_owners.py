"""Who owns an edited record on the base branch, and the `record-owners` needs that follow."""

from __future__ import annotations

import pytest

from itsmctl.findings import Severity
from itsmctl.flow.diff import FieldChange, RecordDiff
from itsmctl.flow.owners import REQUIREMENT, base_owners, owned_record_diffs, record_owner_needs
from itsmctl.validation import check_loaded
from tests.conftest import GOLD_SLA, change, ci, load_text, service, team
from tests.slm.test_compliance import incident

TEMPLATE = (
    "apiVersion: itsm/v1\nkind: StandardChange\nmetadata: {name: patch}\n"
    "spec: {owner: team:data, allowedTargets: {ciTypes: [host]}}\n"
)


@pytest.fixture
def base():  # type: ignore[no-untyped-def]
    return load_text(
        team("ops"),
        team("data", "[dan]"),
        GOLD_SLA,
        ci("db").replace("team:ops", "team:data"),
        service("shop", tier=1, depends="[ci:db]"),
        service("cart", tier=2, depends="[]").replace("team:ops", "team:data"),
        TEMPLATE,
    ).catalog


def _edited(kind: str, name: str, action: str = "modified") -> RecordDiff:
    fields = [FieldChange("spec.x", 1, 2)] if action == "modified" else []
    return RecordDiff(kind, name, action, "catalog/x.yaml", "catalog/x.yaml", fields)


@pytest.mark.parametrize(
    "kind, name, owners",
    [
        ("Service", "shop", ["team:ops"]),
        ("ConfigurationItem", "db", ["team:data"]),
        ("StandardChange", "patch", ["team:data"]),
        ("Team", "ops", ["team:ops"]),
        ("SLA", "gold", ["team:data", "team:ops"]),  # shop (ops) and cart (data) use it
        ("Service", "new-one", []),  # not on the base branch
    ],
)
def test_base_owners_of_each_owned_kind(base, kind: str, name: str, owners: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert base_owners(base, kind, name) == owners


def test_an_owner_written_in_an_invalid_base_record_still_counts_but_only_a_team_reference() -> None:
    invalid = service("shop", tier=9)  # tier 9: schema-invalid, so no typed service
    catalog = load_text(team("ops"), invalid).catalog
    assert catalog.services == {}
    assert base_owners(catalog, "Service", "shop") == ["team:ops"]
    hostile = load_text(service("shop", tier=9).replace("team:ops", "'team:ops\\u202e; rm'")).catalog
    assert base_owners(hostile, "Service", "shop") == []


def test_needs_group_records_by_owner_and_say_why(base) -> None:  # type: ignore[no-untyped-def]
    diffs = [
        _edited("Service", "shop"),
        _edited("ConfigurationItem", "db", "removed"),
        _edited("Service", "cart"),
        _edited("Change", "chg-1"),  # changes carry their own requirements
        _edited("Policy", "change-management"),  # no owner: the base's policies apply anyway
    ]
    needs = record_owner_needs(diffs, base)
    assert [(n.requirement, n.team, n.count, n.records) for n in needs] == [
        (REQUIREMENT, "team:data", 1, ("ci:db", "service:cart")),
        (REQUIREMENT, "team:ops", 1, ("service:shop",)),
    ]
    assert needs[1].label == "1 approval(s) from team:ops, owner of the edited or removed service:shop"
    assert needs[1].reason == "owned by team:ops on the base branch"
    assert not any(n.allow_self for n in needs)


def test_moved_and_new_records_need_nobody_but_a_second_copy_of_an_existing_one_does(base) -> None:  # type: ignore[no-untyped-def]
    moved = RecordDiff("Service", "shop", "modified", "catalog/b.yaml", "catalog/a.yaml", [])
    assert record_owner_needs([moved, _edited("Service", "brand-new", "added")], base) == []
    (need,) = record_owner_needs([_edited("Service", "shop", "added")], base)
    assert need.team == "team:ops"


def test_a_long_list_of_records_is_cut_in_the_label(base) -> None:  # type: ignore[no-untyped-def]
    catalog = load_text(team("ops"), *(ci(f"host-{i}") for i in range(8))).catalog
    (need,) = record_owner_needs([_edited("ConfigurationItem", f"host-{i}") for i in range(8)], catalog)
    assert need.label.endswith("host-4 and 3 more")
    assert len(need.records) == 8


def test_removing_a_change_or_an_incident_needs_the_owners_of_what_it_is_about() -> None:
    past = change("chg-0", "[ci:db, service:shop]", "2026-11-01T22:00:00Z", "2026-11-01T23:00:00Z", "failed")
    catalog = load_text(
        team("ops"),
        team("data", "[dan]"),
        GOLD_SLA,
        ci("db").replace("team:ops", "team:data"),
        service("shop", tier=1, depends="[ci:db]"),
        past.replace("  status: failed\n", "  status: failed\n  outcome: {summary: broke}\n"),
        incident("inc-1", "2026-11-01T22:30:00Z", "2026-11-01T23:30:00Z"),
    ).catalog
    assert "chg-0" in catalog.changes and "inc-1" in catalog.incidents
    removed = [_edited("Change", "chg-0", "removed"), _edited("Incident", "inc-1", "removed")]
    assert [(n.team, n.records) for n in record_owner_needs(removed, catalog)] == [
        ("team:data", ("change:chg-0",)),
        ("team:ops", ("change:chg-0", "incident:inc-1")),
    ]
    # Editing them is their own business: a change carries its own requirements, incidents are updated while open.
    assert record_owner_needs([_edited("Change", "chg-0"), _edited("Incident", "inc-1")], catalog) == []


GOVERNANCE = (
    "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: change-management}\nspec: {owner: team:cab}\n",
    "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: hygiene}\nspec: {owner: team:data}\n",
    "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: unowned}\nspec: {}\n",
    "apiVersion: itsm/v1\nkind: Freeze\nmetadata: {name: december}\n"
    "spec: {owner: team:cab, start: '2026-12-01T00:00:00Z', end: '2026-12-31T00:00:00Z'}\n",
)


def test_policies_and_freezes_are_owned_and_a_new_policy_needs_every_policy_owner() -> None:
    catalog = load_text(team("cab", "[carol]"), team("data", "[dan]"), *GOVERNANCE).catalog
    assert base_owners(catalog, "Policy", "change-management") == ["team:cab"]
    assert base_owners(catalog, "Freeze", "december") == ["team:cab"]
    assert base_owners(catalog, "Policy", "unowned") == []
    new_policy = _edited("Policy", "lenient", "added")
    needs = record_owner_needs([new_policy, _edited("Freeze", "december", "removed")], catalog)
    assert [(n.team, n.records, n.label) for n in needs] == [
        (
            "team:cab",
            ("freeze:december", "policy:lenient"),
            "1 approval(s) from team:cab, owner of the edited or removed freeze:december, "
            "and of the base branch's policies, for the new policy:lenient",
        ),
        (
            "team:data",
            ("policy:lenient",),
            "1 approval(s) from team:data, owner of the base branch's policies, for the new policy:lenient",
        ),
    ]
    # A new freeze can only stop changes: nobody's approval.
    assert record_owner_needs([_edited("Freeze", "spring", "added")], catalog) == []


def test_a_policy_or_freeze_owner_is_a_team_reference() -> None:
    loaded = load_text(
        team("cab", "[carol]"),
        GOVERNANCE[0].replace("team:cab", "team:nobody"),
        GOVERNANCE[3].replace("team:cab", "service:shop"),
    )
    rules = sorted(f.rule for f in check_loaded(loaded).findings if f.severity == Severity.ERROR)
    assert rules == ["dangling-reference", "wrong-kind-reference"]


def test_owned_record_diffs_see_a_type_change_and_ignore_untouched_records() -> None:
    """The audit diffs every touched file: unchanged records are no edit, but 1 -> true is (1 == True in Python)."""
    before = load_text(team("ops"), service("shop", extra="  customerFacing: 1\n"), service("cart")).catalog.records
    after = load_text(team("ops"), service("shop", extra="  customerFacing: true\n"), service("cart")).catalog.records
    (diff,) = owned_record_diffs(before, after)
    assert (diff.kind, diff.name, diff.action) == ("Service", "shop", "modified")
    assert [f.path for f in diff.fields] == ["spec.customerFacing"]
    assert owned_record_diffs(before, before) == []

"""Fields that name people accept people as teams list them: a GitHub login or an e-mail address."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from itsmctl.load import schema
from itsmctl.model.refs import KINDS


def _refs(node: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        found = [(path, node["$ref"])] if isinstance(node.get("$ref"), str) else []
        return found + [ref for key, value in node.items() for ref in _refs(value, f"{path}/{key}")]
    if isinstance(node, list):
        return [ref for index, value in enumerate(node) for ref in _refs(value, f"{path}/{index}")]
    return []


def test_no_field_takes_only_a_github_login() -> None:
    """Members may be e-mail addresses (approvals by trailer): a field naming a person must take both forms
    (issue 11, item 17: a Team's lead could only be a login, so an e-mail team could not name a member as lead)."""
    folder = resources.files("itsmctl.load").joinpath("schemas")
    only_login = []
    for kind in KINDS:
        document = json.loads(folder.joinpath(schema.schema_file_name(kind)).read_text("utf-8"))
        only_login += [(kind, path) for path, ref in _refs(document) if ref.endswith("/$defs/login")]
    assert only_login == []


def test_pir_reviewers_and_team_leads_may_be_e_mail_addresses() -> None:
    team = {
        "apiVersion": "itsm/v1",
        "kind": "Team",
        "metadata": {"name": "colo"},
        "spec": {"members": ["noor@colo.example"], "lead": "noor@colo.example"},
    }
    assert schema.is_valid("Team", team)
    pir = {
        "summary": "Rolled back within the window; a missing index caused it.",
        "reviewedBy": ["noor@colo.example", "grace"],
    }
    change = {
        "apiVersion": "itsm/v1",
        "kind": "Change",
        "metadata": {"name": "chg-20261117-a24e"},
        "spec": {
            "title": "Emergency fix",
            "type": "emergency",
            "requester": "noor@colo.example",
            "status": "completed",
            "targets": ["service:checkout"],
            "window": {"start": "2026-11-17T10:00:00Z", "end": "2026-11-17T11:00:00Z"},
            "rollbackPlan": "Restore the previous release from the artifact store and restart every node.",
            "testPlan": "Run the smoke test suite and watch the error rate for fifteen minutes.",
            "pir": pir,
        },
    }
    assert [p.message for p in schema.explain("Change", change)] == []
    assert schema.is_valid("Change", change)
    pir["reviewedBy"] = ["not a person"]
    assert not schema.is_valid("Change", change)

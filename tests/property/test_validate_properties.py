"""Property 1: every repository the strategies generate is valid, as `itsmctl validate` sees it."""

from __future__ import annotations

import json

from hypothesis import given

from tests.property.harness import run_cli, written
from tests.property.strategies import RepoSpec, repositories


@given(repositories())
def test_generated_repositories_validate_without_errors(repo: RepoSpec) -> None:
    with written(repo) as root:
        code, out, err = run_cli("validate", str(root), "--format", "json", "--no-cache")
    payload = json.loads(out)
    errors = [
        f"{f['rule']} {f['path']}:{f['line']} {f['message']}" for f in payload["findings"] if f["severity"] == "error"
    ]
    assert errors == []
    assert code == 0, err
    # Every generated document was read as a record, from every generated file.
    documents = sum(len(docs) for docs in repo.documents().values())
    assert payload["summary"]["records"] == documents
    assert payload["summary"]["files"] == len(repo.files())
    # Only the schedule may draw warnings (overlaps, maintenance windows, requested changes in a freeze),
    # and policies and freezes generated without an owner.
    warnings = {f["rule"] for f in payload["findings"] if f["severity"] == "warning"}
    assert warnings <= {"schedule-conflict", "outside-maintenance-window", "freeze-violation", "governance-owner"}

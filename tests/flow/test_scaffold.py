"""`new change`: collision-free ids, escaping, never overwriting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from itsmctl.flow.scaffold import new_change_id
from itsmctl.validation import validate_path
from tests.conftest import GOLD_SLA, service, team


@pytest.fixture
def repo(make_repo):  # type: ignore[no-untyped-def]
    return make_repo({"catalog/all.yaml": "\n---\n".join([team(), GOLD_SLA, service("shop", tier=2)])})


def test_new_change_is_a_valid_draft_with_flagged_placeholders(repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(
        "-C",
        str(repo),
        "new",
        "change",
        "--title",
        'Rotate: the "TLS" cert # now',
        "--target",
        "service:shop",
        "--start",
        "2026-12-09T22:00+01:00",
        "--duration",
        "30m",
        "--requester",
        "alice",
    )
    assert result.exit_code == 0, result.stderr
    path = repo / result.stdout.strip().removeprefix(str(repo) + "/")
    assert path.parent == repo / "changes" / "2026"
    assert path.name.startswith("chg-20261209-")
    findings = validate_path(repo).findings
    assert {f.rule for f in findings} == {"placeholder-plan"}
    assert all(f.severity.name == "WARNING" for f in findings)
    import yaml

    record = yaml.safe_load(path.read_text())
    assert record["spec"]["title"] == 'Rotate: the "TLS" cert # now'
    assert record["spec"]["window"] == {"start": "2026-12-09T22:00:00+01:00", "end": "2026-12-09T22:30:00+01:00"}


def test_ids_avoid_taken_names() -> None:
    day = datetime(2026, 12, 9, tzinfo=UTC)
    taken = {new_change_id(day, set()) for _ in range(50)}
    assert all(name.startswith("chg-20261209-") and len(name) == 17 for name in taken)
    assert new_change_id(day, taken) not in taken


def test_unknown_target_and_missing_requester_are_usage_errors(repo, run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    bad = run_cli(
        "-C", str(repo), "new", "change", "--title", "Patch it now", "--target", "service:nope", "--requester", "a"
    )
    assert bad.exit_code == 2 and "no service 'nope'" in bad.stderr
    monkeypatch.delenv("GITHUB_ACTOR", raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", "/dev/null")
    anonymous = run_cli("-C", str(repo), "new", "change", "--title", "Patch it now", "--target", "service:shop")
    assert anonymous.exit_code == 2 and "--requester" in anonymous.stderr
    assert not (repo / "changes").exists()


def test_requester_from_github_actor(repo, run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GITHUB_ACTOR", "octocat")
    result = run_cli("-C", str(repo), "new", "change", "--title", "Patch it now", "--target", "service:shop")
    assert result.exit_code == 0
    text = (repo / result.stdout.strip().removeprefix(str(repo) + "/")).read_text()
    assert 'requester: "octocat"' in text

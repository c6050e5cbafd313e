"""`new change`: collision-free ids, escaping, never overwriting."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest

from itsmctl.flow.scaffold import new_change_id
from itsmctl.load.records import load_source
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


HOSTILE_TITLES = [
    "Upgrade\x7f the database",  # DEL: JSON writes it raw, YAML forbids it
    "Upgrade\x85 the \x9b database",  # C1 controls (NEL, CSI)
    "Upgrade\x00\x1b[31m the\x07 database",  # NUL, ESC, BEL
    "Upgrade \u202eesabatad eht\u202c now",  # bidi override
    "Upgrade\u200b the\ufeff database\u2060",  # invisible characters, a BOM inside
    "Upgrade the \u2028database\u2029 now",  # line and paragraph separators
    "Upgrade\nthe\r\ndatabase\ttoday",  # line breaks and a tab
    "Upgrade 'the' \"database\" \\ now",  # quotes and a backslash
    "key: value # not a comment",  # a mapping and a comment to YAML if written plain
    "- [ {a: b} ] & *alias !tag | > % @ `",  # indicators
    "false",  # a boolean to every YAML reader if written plain
    "yes, no",
    "0x1F and 010 and 1e3 and .inf",  # numbers to some YAML readers
    "Upgrade \U0001f600 the \U00010348 database",  # outside the BMP
    "  padded with spaces  x",
    "Ünïcödé dàtàbase Обновить 数据库",
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_new_change_writes_the_title_it_was_given_whatever_it_holds(repo, run_cli, title: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(
        "-C", str(repo), "new", "change", "--title", title, "--target", "service:shop", "--requester", "alice"
    )
    assert result.exit_code == 0, result.stderr
    path = repo / result.stdout.strip().removeprefix(str(repo) + "/")
    raw = path.read_bytes()
    # Nothing that hides or reorders text, and no control character but the newline, lands in the file.
    text = raw.decode("utf-8")
    assert not [c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
    assert {f.rule for f in validate_path(repo, use_cache=False).findings} == {"placeholder-plan"}
    (record,) = load_source(str(path), raw)[0]
    assert record.body["spec"]["title"] == title.strip()


def test_new_change_quotes_every_templated_value(repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(
        "-C", str(repo), "new", "change", "--title", "Patch it now", "--target", "service:shop",
        "--requester", "alice", "--start", "2026-12-09T22:00+01:00",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    text = (repo / result.stdout.strip().removeprefix(str(repo) + "/")).read_text()
    assert '- "service:shop"' in text and 'start: "2026-12-09T22:00:00+01:00"' in text
    assert 'type: "normal"' in text and 'name: "chg-20261209-' in text


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--title", "x" * 201, "not writing"),
        ("--requester", "not a login!", "not writing"),
        ("--title", "Upgrade \udcff the database", "--title is not valid text"),
    ],
)
def test_new_change_refuses_values_no_record_can_hold(repo, run_cli, option: str, value: str, message: str) -> None:  # type: ignore[no-untyped-def]
    options = {"--title": "Patch it now", "--requester": "alice", option: value}
    result = run_cli("-C", str(repo), "new", "change", "--target", "service:shop", *sum(options.items(), ()))
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr
    assert not (repo / "changes").exists()

"""Output injection: record values must never become GitHub Actions workflow commands.

The runner reads every line a step prints (split at \\n, \\r and \\r\\n). A line
is a command when, after leading white space is trimmed, it starts with
``::NAME`` (NAME one of the runner's commands, any case) and has a second
``::``; failing that, a line that contains ``##[NAME]`` anywhere is a legacy
command. See actions/runner src/Runner.Common/ActionCommand.cs (TryParseV2,
TryParse) and src/Runner.Worker/ActionCommandManager.cs.

Only `validate --format github` may print commands, and only its own
annotations, with properties and data escaped so the runner reads back exactly
the finding. Everything else the shipped workflows print (the text of plan,
review, gate, risk and validate) must contain no command at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from itsmctl.report.escape import visible
from tests.attacks.hostile import WORKFLOW_COMMANDS, serve_github, yaml_string
from tests.conftest import GOLD_SLA, approval_policy, change, ci, service, team
from tests.github_emulator import GitHubEmulator
from tests.gitrepo import GitRepo

# Commands the runner registers (ActionCommandManager plus its command extensions).
RUNNER_COMMANDS = frozenset(
    {
        "add-mask",
        "add-matcher",
        "add-path",
        "debug",
        "echo",
        "endgroup",
        "error",
        "group",
        "notice",
        "remove-matcher",
        "save-state",
        "set-env",
        "set-output",
        "stop-commands",
        "warning",
    }
)
# The runner's unescaping, in its order (ActionCommand._escapeDataMappings / _escapePropertyMappings).
_DATA_UNESCAPE = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_PROPERTY_UNESCAPE = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))


@dataclass(frozen=True)
class Command:
    name: str
    properties: dict[str, str]
    data: str
    line: str


def _unescape(text: str, table: tuple[tuple[str, str], ...]) -> str:
    for escaped, plain in table:
        text = text.replace(escaped, plain)
    return text


def _parse_v2(line: str) -> Command | None:
    message = line.lstrip()  # C# TrimStart(): every Unicode white space, as str.lstrip
    if not message.startswith("::"):
        return None
    end = message.find("::", 2)
    if end < 0:
        return None
    info = message[2:end]
    name, _, rest = info.partition(" ")
    if name.lower() not in RUNNER_COMMANDS:
        return None
    properties = {}
    for item in filter(None, rest.strip().split(",")):
        key, sep, value = item.partition("=")
        if sep and key and value:
            properties[key] = _unescape(value, _PROPERTY_UNESCAPE)
    return Command(name.lower(), properties, _unescape(message[end + 2 :], _DATA_UNESCAPE), line)


def _parse_legacy(line: str) -> Command | None:
    start = line.find("##[")
    if start < 0:
        return None
    end = line.find("]", start)
    if end < 0:
        return None
    name = line[start + 3 : end].partition(" ")[0]
    return Command(name.lower(), {}, line[end + 1 :], line) if name.lower() in RUNNER_COMMANDS else None


def workflow_commands(output: str) -> list[Command]:
    """Every line of ``output`` the Actions runner would execute as a command."""
    found = []
    for line in re.split(r"\r\n|\r|\n", output):
        command = _parse_v2(line) or _parse_legacy(line)
        if command is not None:
            found.append(command)
    return found


def test_the_runner_model_recognises_every_payload() -> None:
    # The model itself must see the attacks, or the tests below prove nothing.
    names = [c.name for c in workflow_commands(WORKFLOW_COMMANDS)]
    assert names == ["set-output", "error", "warning", "notice", "debug", "stop-commands"]
    assert [c.name for c in workflow_commands("text ##[add-mask]secret")] == ["add-mask"]
    assert [c.name for c in workflow_commands("\u0085::Error::x")] == ["error"]
    assert workflow_commands("plain text :: not one, ##[unknown]x") == []


# --- a pull request full of hostile text -------------------------------------------------------

WINDOW = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")
INSIDE = "2026-12-08T22:30:00+01:00"
TITLE = "Upgrade " + WORKFLOW_COMMANDS  # a Change title: at most 200 characters
HOSTILE_KEY = "k\n::error::from-a-key ##[error]legacy-key"
HOSTILE_FILE = "changes/evil\n::error file=x::from-a-file-name ##[error]legacy.yaml"
POLICY = approval_policy() + (
    "  rules:\n"
    "    - id: always\n"
    "      severity: warning\n"
    "      match: {kinds: [Change]}\n"
    "      assert: 'false'\n"
    f"      message: {yaml_string(WORKFLOW_COMMANDS)}\n"
)
FREEZE = (
    "apiVersion: itsm/v1\nkind: Freeze\nmetadata: {name: later}\nspec:\n"
    "  start: '2027-03-01T00:00:00+01:00'\n  end: '2027-03-02T00:00:00+01:00'\n"
    f"  reason: {yaml_string(WORKFLOW_COMMANDS)}\n"
)
# Invalid records whose errors quote the hostile text back.
BROKEN = (
    "apiVersion: itsm/v1\nkind: Service\nmetadata: {name: broken}\nspec:\n"
    "  owner: team:ops\n  tier: 3\n  lifecycle: production\n"
    f"  dependsOn: [{yaml_string('service:x' + WORKFLOW_COMMANDS)}]\n"
    f"  {yaml_string(WORKFLOW_COMMANDS)}: 1\n"
)


def _hostile_change(status: str, x_field: str) -> str:
    text = change("chg-1", "[ci:db]", *WINDOW, status=status, extra=x_field)
    text = text.replace("title: Change chg-1", f"title: {yaml_string(TITLE)}")
    description = yaml_string(WORKFLOW_COMMANDS)
    return text.replace("metadata: {name: chg-1}", f"metadata: {{name: chg-1, description: {description}}}")


@pytest.fixture
def hostile_pr(tmp_path: Path) -> GitRepo:
    """main with one requested change; branch pr approves it with hostile text everywhere. pr is checked out."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "catalog",
        {
            "catalog/teams.yaml": team("ops", "[alice, bob]") + "---\n" + team("cab", "[carol, dave, erin]"),
            "catalog/slas.yaml": GOLD_SLA,
            "catalog/cmdb.yaml": ci("db") + "---\n" + service("shop", tier=2, depends="[ci:db]"),
            "catalog/freezes.yaml": FREEZE,
            "policies/change.yaml": POLICY,
            "changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW, extra="  x-data: {k: 1}\n"),
        },
    )
    repo.branch("pr")
    x_fields = f"  x-note: {yaml_string(WORKFLOW_COMMANDS)}\n  x-data: {{k: 2, {yaml_string(HOSTILE_KEY)}: 1}}\n"
    repo.commit(
        "hostile",
        {"changes/chg-1.yaml": _hostile_change("approved", x_fields), "catalog/broken.yaml": BROKEN},
    )
    # A file name git accepts and a checkout writes: plan reads it from git objects.
    (repo.root / HOSTILE_FILE).write_text("apiVersion: itsm/v1\nkind: Change\nmetadata: {name: evil}\n")
    repo.repo.git.add("--", HOSTILE_FILE)
    repo.repo.index.commit("hostile file name")
    return repo


def _no_commands(output: str) -> None:
    commands = workflow_commands(output)
    assert commands == [], "\n".join(repr(c.line) for c in commands)


# --- validate --format github: only our annotations -------------------------------------------


def test_validate_github_annotations_are_the_only_commands_and_round_trip(hostile_pr: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = str(hostile_pr.root)
    findings = json.loads(run_cli("-C", root, "validate", "--format", "json").stdout)["findings"]
    output = run_cli("-C", root, "validate", "--format", "github").stdout
    # The hostile text really reached messages and paths.
    assert any("::set-output" in f["message"] for f in findings)
    assert any("from-a-file-name" in f["path"] for f in findings)
    commands = workflow_commands(output)
    assert len(commands) == len(findings)
    severity = {"error": "error", "warning": "warning", "info": "notice"}
    for finding, command in zip(findings, commands, strict=True):
        # Parsed exactly as the runner would, each annotation gives back the finding, nothing more.
        assert command.line.startswith("::")
        assert command.name == severity[finding["severity"]]
        assert set(command.properties) <= {"file", "line", "col", "title"}
        # What hides or reorders text is shown as an escape (issue 11, item 11); the rest reads back exactly.
        assert command.properties["file"] == visible(finding["path"])
        assert command.properties["title"] == f"itsmctl {finding['rule']}"
        assert command.properties.get("line", "0") == str(finding["line"])
        message = finding["message"] + (f"\n{finding['hint']}" if finding["hint"] else "")
        assert command.data == visible(message, keep_newlines=True)
    assert not output.splitlines()[-1].startswith("::")


# --- the text the shipped workflows print: no command at all ------------------------------------


def test_validate_text_prints_no_workflow_command(hostile_pr: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("-C", str(hostile_pr.root), "validate")
    assert result.exit_code == 1 and "set-output" in result.stdout
    _no_commands(result.stdout)


def test_plan_text_prints_no_workflow_command(hostile_pr: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("-C", str(hostile_pr.root), "plan", "--base", "main", "--head", "pr")
    assert result.exit_code == 1
    assert "spec.title" in result.stdout and "from-a-key" in result.stdout and "from-a-file-name" in result.stdout
    _no_commands(result.stdout)


@pytest.mark.parametrize("args", [("risk", "chg-1"), ("risk", "--all")], ids=["one", "all"])
def test_risk_text_prints_no_workflow_command(hostile_pr: GitRepo, run_cli, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("-C", str(hostile_pr.root), *args)
    # Invalid records were left out (exit 1, issue 11 item 16); their hostile names are listed, escaped.
    assert result.exit_code == 1 and "Upgrade" in result.stdout and "from-a-file-name" in result.stdout
    _no_commands(result.stdout)
    _no_commands(result.stderr)


def test_gate_text_prints_no_workflow_command(hostile_pr: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = str(hostile_pr.root)
    # The invalid service in catalog/broken.yaml keeps the gate closed (issue 11, item 16); the
    # gate lists it, and the change that would open it, with their hostile text.
    held = run_cli("-C", root, "gate", "--service", "shop", "--ci", "db", "--at", INSIDE)
    assert held.exit_code == 1 and "+ chg-1" in held.stdout and "from-a-file-name" in held.stdout
    _no_commands(held.stdout)
    # The deploy workflow passes its inputs to the gate: they are printed back too.
    for args in (
        ("--service", WORKFLOW_COMMANDS),
        ("--service", "shop", "--ci", WORKFLOW_COMMANDS),
        ("--service", "shop", "--ci", "db", "--env", WORKFLOW_COMMANDS),
    ):
        closed = run_cli("-C", root, "gate", *args, "--at", INSIDE)
        assert closed.exit_code == 1 and "set-output" in closed.stdout
        _no_commands(closed.stdout)


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubEmulator]:
    yield from serve_github(monkeypatch)


def test_review_text_prints_no_workflow_command(hostile_pr: GitRepo, github: GitHubEmulator, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo = hostile_pr.repo
    head = repo.commit("pr").hexsha
    github.add_pull(7, "alice", head, repo.commit("main").hexsha)
    github.review(7, "carol", "APPROVED", head)
    result = run_cli("-C", str(hostile_pr.root), "review", "--pr", "7", "--status")
    assert result.exit_code == 1 and "missing" in result.stdout
    _no_commands(result.stdout)
    _no_commands(github.state.statuses[head][0]["description"])

"""Every format of every command is safe to print in a CI log and shows what it says (issue 11, items 11 and 21).

One repository with hostile text in every free-text field (titles, descriptions,
reasons, policy messages, incident titles, x- fields, commit authors, reviewer
logins, evidence notes) and in a file name: bidirectional overrides and
isolates, zero-width and other invisible characters, ESC sequences, line and
paragraph separators, C1 controls, Unicode tags, and GitHub workflow commands
in every shape. For each command and format:

- the Actions runner (modelled in test_attack_workflow_commands) finds no
  command in the output, except `validate --format github`'s own annotations;
- no invisible or reordering character is printed as it is (text formats show
  an escape, JSON and XML use their own escapes);
- JSON parses back to the exact hostile values, XML too.
"""

from __future__ import annotations

import json
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from itsmctl.audit.evidence import Evidence
from itsmctl.report.escape import visible
from itsmctl.vcs.notes import write_note
from tests.attacks.hostile import WORKFLOW_COMMANDS, serve_github, yaml_string
from tests.attacks.test_attack_workflow_commands import workflow_commands
from tests.conftest import GOLD_SLA, change, ci, service, team
from tests.github_emulator import GitHubEmulator
from tests.gitrepo import GitRepo

# Reorders what follows (so a name can look like another), hides text, repaints the terminal.
INVISIBLE = (
    "pay\u202eLMTH.exe\u202c \u2067iso\u2069 z\u200bw \u2060j \ufeffbom \u00adshy \U000e0041\U000e0042tags "
    "\x1b[2J\x1b[31mred\x1b[0m \x9b31m \x85nel \u2028ls \u2029ps \x07bel \x7fdel"
)
HOSTILE = INVISIBLE + " " + WORKFLOW_COMMANDS
# Titles: at most 200 characters.
TITLE = "Upgrade \u202eevil\u202c ##[add-mask]t \x1b[2J \u2028::error::x \u2066i\u2069 \x85::warning::n z\u200bw"
FILE_NAME = "changes/chg-\u202elmay.exe\u202c.yaml"  # shows as 'changes/chg-exe.yaml' in a terminal
AUTHOR = "Mal\u202elory \x1b[31m ##[error]author"
WINDOW = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")
INSIDE = "2026-12-08T22:30:00+01:00"
# Controls, format characters (bidi, zero-width, tags), line and paragraph separators, lone surrogates.
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs"}


def _printed_raw(output: str) -> list[str]:
    """Invisible or reordering characters in the output, but the line breaks."""
    text = output.replace("\r\n", "\n")
    return sorted({f"U+{ord(c):04X}" for c in text if c != "\n" and unicodedata.category(c) in INVISIBLE_CATEGORIES})


def _with(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def _incident(name: str, day: int) -> str:
    return (
        f"apiVersion: itsm/v1\nkind: Incident\nmetadata: {{name: {name}}}\nspec:\n"
        f"  title: {yaml_string('database outage ' + TITLE)}\n  priority: P1\n  services: [service:shop]\n"
        f"  cis: [ci:db]\n  impact: {{kind: outage, start: '2026-12-0{day}T10:00:00Z'}}\n"
        f"  opened: '2026-12-0{day}T10:00:00Z'\n  acknowledged: '2026-12-0{day}T10:30:00Z'\n"
        f"  resolved: '2026-12-0{day}T18:00:00Z'\n  status: resolved\n  summary: {yaml_string(HOSTILE)}\n"
    )


POLICY = (
    "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: change-management}\nspec:\n"
    "  approvals:\n    - id: cab\n      require: [{team: team:cab, count: 1}]\n"
    "  rules:\n    - id: always\n      severity: warning\n      match: {kinds: [Change]}\n"
    f"      assert: 'false'\n      message: {yaml_string(HOSTILE)}\n"
)
FREEZE = (
    "apiVersion: itsm/v1\nkind: Freeze\nmetadata: {name: later}\nspec:\n"
    "  start: '2027-03-01T00:00:00+01:00'\n  end: '2027-03-02T00:00:00+01:00'\n"
    f"  reason: {yaml_string(HOSTILE)}\n  allowedTypes: [emergency]\n"
)


def _hostile_change(name: str, status: str, start: str, end: str) -> str:
    text = change(name, "[ci:db]", start, end, status=status, extra=f"  x-note: {yaml_string(HOSTILE)}\n")
    text = _with(text, f"title: Change {name}", f"title: {yaml_string(TITLE)}")
    return _with(
        text, f"metadata: {{name: {name}}}", f"metadata: {{name: {name}, description: {yaml_string(HOSTILE)}}}"
    )


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """main: a valid repository full of hostile text; pr (checked out) approves chg-1, with a hostile file name."""
    repo = GitRepo(tmp_path_factory.mktemp("hostile") / "repo")
    shop = _with(
        service("shop", tier=2, depends="[ci:db]"),
        "metadata: {name: shop}",
        f"metadata: {{name: shop, title: {yaml_string(TITLE)}, description: {yaml_string(HOSTILE)}}}",
    )
    database = _with(ci("db"), "metadata: {name: db}", f"metadata: {{name: db, title: {yaml_string(TITLE)}}}")
    repo.commit(
        "catalog",
        {
            "catalog/teams.yaml": team("ops", "[alice, bob]") + "---\n" + team("cab", "[carol, dave]"),
            "catalog/slas.yaml": GOLD_SLA,
            "catalog/cmdb.yaml": database + "---\n" + shop,
            "catalog/freezes.yaml": FREEZE,
            "catalog/incidents.yaml": _incident("inc-1", 1) + "---\n" + _incident("inc-2", 2),
            "policies/change.yaml": POLICY,
            "changes/chg-1.yaml": _hostile_change("chg-1", "requested", *WINDOW),
            "changes/chg-2.yaml": _hostile_change(
                "chg-2", "scheduled", "2026-12-08T22:30:00+01:00", "2026-12-09T00:00:00+01:00"
            ),
        },
        author=f"{AUTHOR} <mallory@example.com>",
    )
    repo.branch("pr")
    repo.commit(
        "approve",
        {"changes/chg-1.yaml": _hostile_change("chg-1", "approved", *WINDOW)},
        author=f"{AUTHOR} <m@example.com>",
    )
    (repo.root / FILE_NAME).write_text(_hostile_change("chg-3", "requested", *WINDOW))
    repo.repo.git.add("--", FILE_NAME)
    repo.repo.index.commit("hostile file name")
    head = repo.repo.head.commit.hexsha
    note = Evidence(HOSTILE, 7, HOSTILE, head, head, "2026-12-01T10:00:00+00:00", recorded_by=HOSTILE)
    write_note(repo.repo, head, note.to_text())
    return repo


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch, hostile: GitRepo) -> Iterator[GitHubEmulator]:
    for emulator in serve_github(monkeypatch):
        repo = hostile.repo
        head = repo.commit("pr").hexsha
        emulator.add_pull(7, "alice", head, repo.commit("main").hexsha)
        emulator.review(7, "carol", "APPROVED", head)
        emulator.review(7, "mal\u202eory ##[error]x", "APPROVED", head)  # not in the team: printed as not counted
        yield emulator


COMMANDS: dict[str, tuple[str, ...]] = {
    "validate": ("validate",),
    "plan": ("plan", "--base", "main", "--head", "pr"),
    "risk": ("risk", "chg-1"),
    "risk all": ("risk", "--all"),
    "risk weights": ("risk", "--weights"),
    "gate": ("gate", "--service", "shop", "--ci", "db", "--at", INSIDE),
    "gate hostile": ("gate", "--service", HOSTILE, "--at", INSIDE),
    "schedule": ("schedule", "--from", "all"),
    "sla": ("sla", "report", "--period", "2026-12"),
    "metrics": ("metrics", "--from", "2026-11-01", "--to", "2027-01-01"),
    "problems": ("problems", "suggest"),
    "impact": ("impact", "ci:db"),
    "graph": ("graph",),
    "audit": ("audit",),
    "review": ("review", "--pr", "7"),
    "evidence": ("evidence", "show", "HEAD"),
}
FORMATS: dict[str, tuple[str, ...]] = {
    "validate": ("text", "json", "sarif", "github", "junit"),
    "plan": ("text", "json", "markdown"),
    "risk": ("text", "json"),
    "risk all": ("text", "json"),
    "risk weights": ("text", "json"),
    "gate": ("text", "json"),
    "gate hostile": ("text", "json"),
    "schedule": ("text", "json", "ics"),
    "sla": ("text", "json", "csv"),
    "metrics": ("text", "json"),
    "problems": ("text", "json"),
    "impact": ("text", "json"),
    "graph": ("json", "dot", "mermaid"),
    "audit": ("text", "json", "csv", "html"),
    "review": ("text", "json", "markdown"),
    "evidence": ("json",),
}
CASES = [(command, output_format) for command, formats in FORMATS.items() for output_format in formats]


def _run(run_cli, hostile: GitRepo, command: str, output_format: str):  # type: ignore[no-untyped-def]
    args = COMMANDS[command]
    if command != "evidence":
        args = (*args, "--format", output_format)
    result = run_cli("-C", str(hostile.root), *args)
    assert result.exit_code in (0, 1), result.stderr
    assert result.stdout, result.stderr
    return result


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.parametrize(("command", "output_format"), CASES, ids=[f"{c}-{f}" for c, f in CASES])
def test_every_format_is_safe_in_a_ci_log_and_shows_every_character(  # type: ignore[no-untyped-def]
    hostile: GitRepo, github: GitHubEmulator, run_cli, command: str, output_format: str
) -> None:
    output = _run(run_cli, hostile, command, output_format).stdout
    commands = workflow_commands(output)
    if output_format == "github":
        # Only the annotations, each one line of ours.
        assert commands and all(c.line.startswith("::") and c.name in {"error", "warning", "notice"} for c in commands)
        assert len(commands) == sum(1 for line in output.splitlines() if line.startswith("::"))
    else:
        assert commands == [], [c.line for c in commands]
    assert _printed_raw(output) == [], "printed as they are"


JSON_CASES = [(c, f) for c, f in CASES if f in ("json", "sarif")]


@pytest.mark.parametrize(("command", "output_format"), JSON_CASES, ids=[f"{c}-{f}" for c, f in JSON_CASES])
def test_json_reads_back_the_exact_hostile_text(  # type: ignore[no-untyped-def]
    hostile: GitRepo, github: GitHubEmulator, run_cli, command: str, output_format: str
) -> None:
    output = _run(run_cli, hostile, command, output_format).stdout
    values = list(_strings(json.loads(output)))
    if command in ("risk weights", "graph", "metrics", "impact", "sla", "gate", "problems"):
        # No free text in these shapes, or only titles: the check above is what matters.
        hostile_values = [v for v in values if "\u202e" in v]
        assert all("\\u202e" not in v for v in hostile_values)
        return
    if output_format == "sarif":
        # Messages are text a viewer shows: what hides or reorders text is escaped, the rest exact.
        assert any(visible(HOSTILE, keep_newlines=True) in v for v in values), values[:40]
        return
    assert any(HOSTILE in v or TITLE in v or "mal\u202eory" in v for v in values), values[:40]


def test_junit_reads_back_visible_text(hostile: GitRepo, github: GitHubEmulator, run_cli) -> None:  # type: ignore[no-untyped-def]
    output = _run(run_cli, hostile, "validate", "junit").stdout
    root = ET.fromstring(output)
    names = [case.get("name") for case in root.iter("testcase")]
    # The file name is shown with its override visible, never reordering what follows.
    assert "changes/chg-\\u202elmay.exe\\u202c.yaml" in names
    failures = " ".join(element.text or "" for element in root.iter("system-out"))
    # Parsed, the messages show the hostile text with every character visible and no command.
    assert "pay\\u202eLMTH.exe\\u202c" in failures and "##\\x5badd-mask]" in failures
    assert workflow_commands(failures) == []


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "--format", WORKFLOW_COMMANDS),  # click's usage error quotes the value
        ("-C", "/nonexistent/" + WORKFLOW_COMMANDS, "validate"),  # our error quotes the path
        ("gate", "--service", "shop", "--at", WORKFLOW_COMMANDS),
    ],
    ids=["usage-error", "error", "gate-time"],
)
def test_error_messages_command_nothing_and_show_every_character(run_cli, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(*args)
    assert result.exit_code == 2 and result.stderr
    assert workflow_commands(result.stderr) == [], result.stderr
    assert _printed_raw(result.stderr) == []

"""``deceptive-name``: file and record names with bidi overrides, controls or invisible characters.

Output escapes them (issue 11, item 11), but a reviewer still reads the name in
GitHub's file list, a terminal's ``ls`` or an editor, where ``shop\\u202elmay.yaml``
shows as another file's name. ``validate`` (and so ``plan``) flags them (issue 11
leftovers, item 5): an error for bidi controls, C0/C1 controls, line separators and
undecodable bytes, a warning for other invisible characters.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from itsmctl.findings import Severity
from itsmctl.validation import validate_path
from tests.conftest import team, write_files
from tests.gitrepo import GitRepo


def _findings(root: Path) -> list[tuple[str, str, Severity, str]]:
    result = validate_path(root, use_cache=False)
    return [(f.rule, f.location.path, f.severity, f.message) for f in result.findings if f.rule == "deceptive-name"]


@pytest.mark.parametrize(
    ("name", "severity", "shown"),
    [
        ("shop\u202elmay.yaml", Severity.ERROR, "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("shop\u2066x\u2069.yaml", Severity.ERROR, "U+2066 LEFT-TO-RIGHT ISOLATE"),
        ("shop\u200f.yaml", Severity.ERROR, "U+200F RIGHT-TO-LEFT MARK"),
        ("shop\x1b[2J.yaml", Severity.ERROR, "U+001B"),
        ("shop\n.yaml", Severity.ERROR, "U+000A"),
        ("sh\u200bop.yaml", Severity.WARNING, "U+200B ZERO WIDTH SPACE"),
        ("sh\u00adop.yaml", Severity.WARNING, "U+00AD SOFT HYPHEN"),
    ],
    ids=["rlo", "isolate", "rlm", "escape", "newline", "zero-width-space", "soft-hyphen"],
)
def test_a_file_name_with_a_hidden_character_is_flagged(
    tmp_path: Path, name: str, severity: Severity, shown: str
) -> None:
    root = write_files(tmp_path / "repo", {"catalog/teams.yaml": team(), f"catalog/{name}": team("web")})
    [(rule, path, found_severity, message)] = _findings(root)
    assert (path, found_severity) == (f"catalog/{name}", severity)
    assert shown in message


def test_a_folder_name_counts_too_and_each_path_is_flagged_once(tmp_path: Path) -> None:
    folder = "catalog/ser\u202evices"
    root = write_files(tmp_path / "repo", {f"{folder}/a.yaml": team("a"), f"{folder}/b.yaml": "a: [\n"})
    found = _findings(root)
    assert sorted(path for _, path, _, _ in found) == [f"{folder}/a.yaml", f"{folder}/b.yaml"]  # b does not parse


def test_undecodable_bytes_in_a_file_name_are_an_error(tmp_path: Path) -> None:
    root = write_files(tmp_path / "repo", {"catalog/teams.yaml": team()})
    (root / "catalog").joinpath(os.fsdecode(b"shop\xff.yaml")).write_text(team("web"))
    [(_, path, severity, message)] = _findings(root)
    assert severity == Severity.ERROR and "not UTF-8" in message


def test_joiners_inside_writing_and_plain_names_are_fine(tmp_path: Path) -> None:
    root = write_files(
        tmp_path / "repo",
        {"catalog/teams.yaml": team(), "catalog/می\u200cخواهم.yaml": team("fa"), "catalog/café-ü.yaml": team("x")},
    )
    assert _findings(root) == []


def test_a_record_name_with_a_bidi_override_is_flagged_at_its_line(tmp_path: Path) -> None:
    text = team().replace("name: ops", 'name: "ops\\u202e"')
    root = write_files(tmp_path / "repo", {"catalog/teams.yaml": text})
    result = validate_path(root, use_cache=False)
    [finding] = [f for f in result.findings if f.rule == "deceptive-name"]
    assert finding.severity == Severity.ERROR and finding.location.line == 3
    assert "U+202E" in finding.message and "record name" in finding.message


def test_plan_flags_a_deceptive_file_name_added_by_the_pull_request(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path / "repo")
    repo.commit("teams", {"catalog/teams.yaml": team()})
    repo.branch("pr")
    repo.commit("add", {"catalog/web\u202elmay.yaml": team("web")})
    result = run_cli("-C", str(repo.root), "plan", "--base", "main", "--head", "pr", "--format", "json")
    assert result.exit_code == 1
    assert "deceptive-name" in result.stdout and "\\u202e" in result.stdout

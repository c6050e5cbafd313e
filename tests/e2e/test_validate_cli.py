"""`itsmctl validate` end to end on real temporary repositories."""

from __future__ import annotations

import hashlib
import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import GOLD_SLA, SARIF_SCHEMA, service, team

CLEAN = {"catalog/all.yaml": "\n---\n".join([team(), GOLD_SLA, service("shop", tier=2)])}
BROKEN = {**CLEAN, "catalog/bad.yaml": service("wiki", tier=3).replace("team:ops", "team:nobody")}
WARNING_POLICY = (
    "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: hygiene}\nspec:\n  rules:\n"
    "    - {id: titled, severity: warning, match: {kinds: [Service]}, assert: 'has(metadata.title)', message: give it a title}\n"
)
FORMATS = ["text", "json", "sarif", "github", "junit"]


def _snapshot(root: Path) -> dict[str, tuple[int, str]]:
    return {
        str(p): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.mark.parametrize("output_format", FORMATS)
def test_clean_repo_exits_0_in_every_format(make_repo, run_cli, output_format: str) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(CLEAN)
    result = run_cli("validate", str(root), "--format", output_format)
    assert result.exit_code == 0, result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("output_format", FORMATS)
def test_errors_exit_1_in_every_format(make_repo, run_cli, output_format: str) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(BROKEN)
    result = run_cli("validate", str(root), "--format", output_format)
    assert result.exit_code == 1
    if output_format == "json":
        assert json.loads(result.stdout)["findings"][0]["rule"] == "dangling-reference"
    elif output_format == "sarif":
        schema = json.loads(SARIF_SCHEMA.read_text())
        jsonschema.validators.validator_for(schema)(schema).validate(json.loads(result.stdout))
    elif output_format == "junit":
        assert ET.fromstring(result.stdout).find(".//failure") is not None
    elif output_format == "github":
        assert result.stdout.startswith("::error file=catalog/bad.yaml,line=")
    else:
        assert "catalog/bad.yaml" in result.stdout and "dangling-reference" in result.stdout


def test_fail_on_controls_warnings(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({**CLEAN, "policies/p.yaml": WARNING_POLICY})
    assert run_cli("validate", str(root)).exit_code == 0
    assert run_cli("validate", str(root), "--fail-on", "warning").exit_code == 1


@pytest.mark.parametrize(
    "argv, message",
    [
        (["validate", "/no/such/dir"], "no such directory"),
        (["validate", "--format", "nonsense"], "Invalid value"),
        (["validate", "--fail-on", "fatal"], "Invalid value"),
    ],
)
def test_usage_errors_exit_2(run_cli, argv: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(*argv)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_path_that_is_a_file(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(CLEAN)
    result = run_cli("validate", str(root / "catalog" / "all.yaml"))
    assert result.exit_code == 2 and "not a directory" in result.stderr


def test_output_file_is_written_and_stdout_stays_empty(make_repo, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(BROKEN)
    target = tmp_path / "report.sarif"
    result = run_cli("validate", str(root), "--format", "sarif", "-o", str(target))
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"
    assert not list(tmp_path.glob(".report.sarif.tmp"))


def test_validate_never_modifies_the_repository(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(BROKEN)
    before = _snapshot(root)
    for output_format in FORMATS:
        run_cli("validate", str(root), "--format", output_format)
    assert _snapshot(root) == before


def test_rules_command(run_cli) -> None:  # type: ignore[no-untyped-def]
    listing = run_cli("rules")
    assert listing.exit_code == 0 and "duplicate-key" in listing.stdout and "dangling-reference" in listing.stdout
    one = run_cli("rules", "duplicate-key")
    assert "Failing example:" in one.stdout and "Passing example:" in one.stdout
    missing = run_cli("rules", "duplicate-keys")
    assert missing.exit_code == 2 and "did you mean 'duplicate-key'" in missing.stderr


def test_schema_export_writes_valid_schemas(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("schema", "export", str(tmp_path / "schemas"))
    assert result.exit_code == 0
    written = sorted(p.name for p in (tmp_path / "schemas").iterdir())
    assert "record.schema.json" in written and "change.schema.json" in written and "incident.schema.json" in written
    for path in (tmp_path / "schemas").iterdir():
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))
    combined = json.loads((tmp_path / "schemas" / "record.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(combined)
    assert not list(
        validator.iter_errors(
            {"apiVersion": "itsm/v1", "kind": "Team", "metadata": {"name": "a"}, "spec": {"members": []}}
        )
    )
    assert list(
        validator.iter_errors(
            {"apiVersion": "itsm/v1", "kind": "Team", "metadata": {"name": "a"}, "spec": {"membres": []}}
        )
    )


def test_installed_console_script_runs(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(BROKEN)
    done = subprocess.run(
        ["itsmctl", "validate", str(root), "--format", "json"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1 and json.loads(done.stdout)["summary"]["error"] == 1
    assert "Traceback" not in done.stderr


def test_example_repository_validates(run_cli) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import REPO_ROOT

    result = run_cli("validate", str(REPO_ROOT), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["records"] > 90

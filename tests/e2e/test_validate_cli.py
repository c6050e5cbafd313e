"""`itsmctl validate`, `rules` and `schema export` end to end, on real temporary repositories."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml

from itsmctl.model.refs import KINDS
from itsmctl.rules import REGISTRY
from tests.conftest import REPO_ROOT, SARIF_SCHEMA

TEAMS = textwrap.dedent(
    """\
    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: ops
    spec:
      members: [alice, bob]
    """
)
SLAS = textwrap.dedent(
    """\
    apiVersion: itsm/v1
    kind: SLA
    metadata:
      name: gold
    spec:
      availability: 99.9
      response: {P1: 15m}
      resolution: {P1: 4h}
    """
)
SERVICES = textwrap.dedent(
    """\
    apiVersion: itsm/v1
    kind: Service
    metadata:
      name: shop
    spec:
      owner: team:ops
      tier: 3
      lifecycle: production
    """
)
CLEAN = {"catalog/teams.yaml": TEAMS, "catalog/slas.yaml": SLAS, "catalog/services.yaml": SERVICES}
# One error: the owner team does not exist (line 6, column 3: the `owner:` key).
BROKEN = {**CLEAN, "catalog/bad.yaml": SERVICES.replace("name: shop", "name: wiki").replace("team:ops", "team:nobody")}
# Only a warning: a policy rule of severity warning that the service breaks.
WARNING_POLICY = textwrap.dedent(
    """\
    apiVersion: itsm/v1
    kind: Policy
    metadata:
      name: hygiene
    spec:
      owner: team:ops
      rules:
        - id: titled
          severity: warning
          match: {kinds: [Service]}
          assert: has(metadata.title)
          message: give the service a title
    """
)
WARNINGS_ONLY = {**CLEAN, "policies/hygiene.yaml": WARNING_POLICY}
FORMATS = ["text", "json", "sarif", "github", "junit"]


def _snapshot(root: Path) -> dict[str, tuple[int, str]]:
    """Every path under root with its mtime and content hash (folders too: nothing may be added)."""
    return {
        str(p.relative_to(root)): (
            p.stat().st_mtime_ns,
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir",
        )
        for p in sorted(root.rglob("*"))
    }


def _sarif_errors(text: str) -> list[str]:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)  # draft-04, as the file declares
    return [error.message for error in validator.iter_errors(json.loads(text))]


# --- exit codes per format ----------------------------------------------------------------------


@pytest.mark.parametrize("output_format", FORMATS)
def test_clean_repo_exits_0_in_every_format(make_repo, run_cli, output_format: str) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(CLEAN)
    result = run_cli("validate", str(root), "--format", output_format)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stderr == ""
    out = result.stdout
    if output_format == "json":
        document = json.loads(out)
        assert document["findings"] == []
        assert document["summary"] == {
            "files": 3,
            "records": 3,
            "error": 0,
            "warning": 0,
            "info": 0,
            "failOn": "error",
            "failed": False,
        }
    elif output_format == "sarif":
        assert _sarif_errors(out) == [] and json.loads(out)["runs"][0]["results"] == []
    elif output_format == "junit":
        root_element = ET.fromstring(out)
        assert (root_element.get("tests"), root_element.get("failures")) == ("3", "0")
    elif output_format == "github":
        assert out == "itsmctl validate: 0 errors, 0 warnings (3 records in 3 files checked)\n"
    else:
        assert out.startswith("✔ 0 errors, 0 warnings")


@pytest.mark.parametrize("output_format", FORMATS)
def test_errors_exit_1_in_every_format(make_repo, run_cli, output_format: str) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(BROKEN)
    result = run_cli("validate", str(root), "--format", output_format)
    assert result.exit_code == 1
    assert result.stderr == ""
    out = result.stdout
    if output_format == "json":
        (finding,) = json.loads(out)["findings"]
        assert (finding["rule"], finding["path"], finding["line"], finding["column"]) == (
            "dangling-reference",
            "catalog/bad.yaml",
            6,
            3,
        )
        assert json.loads(out)["summary"]["failed"] is True
    elif output_format == "sarif":
        assert _sarif_errors(out) == []
        (sarif_result,) = json.loads(out)["runs"][0]["results"]
        location = sarif_result["locations"][0]["physicalLocation"]
        assert (sarif_result["ruleId"], location["artifactLocation"]["uri"], location["region"]) == (
            "dangling-reference",
            "catalog/bad.yaml",
            {"startLine": 6, "startColumn": 3},
        )
    elif output_format == "junit":
        failed = [c.get("name") for c in ET.fromstring(out).iter("testcase") if c.find("failure") is not None]
        assert failed == ["catalog/bad.yaml"]
    elif output_format == "github":
        lines = out.splitlines()
        assert lines[0].startswith("::error file=catalog/bad.yaml,line=6,col=3,title=itsmctl dangling-reference::")
        assert len(lines) == 2 and lines[1].startswith("itsmctl validate: 1 error")
    else:
        assert "catalog/bad.yaml" in out and "6:3" in out and "[dangling-reference]" in out
        assert "\x1b" not in out  # not a terminal: no colours


@pytest.mark.parametrize(
    "files, fail_on, code",
    [
        (WARNINGS_ONLY, None, 0),
        (WARNINGS_ONLY, "error", 0),
        (WARNINGS_ONLY, "warning", 1),
        (WARNINGS_ONLY, "info", 1),
        (BROKEN, "warning", 1),
        (CLEAN, "info", 0),
    ],
)
def test_fail_on_sets_the_threshold(make_repo, run_cli, files, fail_on, code: int) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(files)
    args = ["validate", str(root), "--format", "json"] + (["--fail-on", fail_on] if fail_on else [])
    result = run_cli(*args)
    assert result.exit_code == code
    document = json.loads(result.stdout)
    assert document["summary"]["failed"] is bool(code)
    if files is WARNINGS_ONLY:
        assert [(f["rule"], f["severity"]) for f in document["findings"]] == [("hygiene/titled", "warning")]


# --- usage errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, message",
    [
        (["validate", "/no/such/dir"], "/no/such/dir: no such directory"),
        (["validate", "--format", "nonsense", "."], "'nonsense' is not one of"),
        (["validate", "--fail-on", "fatal", "."], "'fatal' is not one of"),
        (["validate", "--no-such-option"], "No such option"),
        (["no-such-command"], "No such command"),
    ],
)
def test_usage_errors_exit_2(run_cli, argv: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(*argv)
    assert result.exit_code == 2
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_path_that_is_a_file_exits_2(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(CLEAN)
    result = run_cli("validate", str(root / "catalog" / "teams.yaml"))
    assert result.exit_code == 2
    assert "not a directory" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_directory_without_records_exits_2(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("validate", str(tmp_path))
    assert result.exit_code == 2 and "no record files found" in result.stderr


def test_default_path_comes_from_dash_c(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(BROKEN)
    result = run_cli("-C", str(root), "validate", "--format", "json")
    assert result.exit_code == 1 and json.loads(result.stdout)["findings"][0]["path"] == "catalog/bad.yaml"


def test_time_zone_naming_a_folder_is_a_finding_not_an_internal_error(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    sla = SLAS + "  supportHours: {days: [mon], start: '08:00', end: '18:00', timezone: Europe}\n"
    root = make_repo({**CLEAN, "catalog/slas.yaml": sla})
    result = run_cli("validate", str(root), "--format", "json")
    assert "internal error" not in result.stderr
    assert result.exit_code == 1
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["invalid-value"]


# --- output file --------------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["json", "sarif", "junit", "github"])
def test_output_file_gets_the_report_and_stdout_stays_empty(  # type: ignore[no-untyped-def]
    make_repo, run_cli, tmp_path: Path, output_format: str
) -> None:
    root = make_repo(BROKEN)
    expected = run_cli("validate", str(root), "--format", output_format).stdout
    reports = tmp_path / "reports"
    reports.mkdir()
    target = reports / f"report.{output_format}"
    target.write_text("old content that must be replaced")
    result = run_cli("validate", str(root), "--format", output_format, "-o", str(target))
    assert result.exit_code == 1
    assert result.stdout == "" and result.stderr == ""
    assert target.read_text(encoding="utf-8") == expected
    assert sorted(p.name for p in reports.iterdir()) == [target.name]  # no temporary file left behind


def test_output_file_in_a_missing_folder_exits_2(make_repo, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(CLEAN)
    result = run_cli("validate", str(root), "-o", str(tmp_path / "missing" / "report.json"))
    assert result.exit_code == 2 and "cannot write" in result.stderr and "Traceback" not in result.stderr


def test_text_report_written_to_a_file_has_no_colour_codes(make_repo, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(BROKEN)
    target = tmp_path / "report.txt"
    assert run_cli("validate", str(root), "-o", str(target)).exit_code == 1
    text = target.read_text(encoding="utf-8")
    assert "dangling-reference" in text
    assert "\x1b" not in text


# --- hostile file names ------------------------------------------------------------------------


def test_github_annotations_survive_a_hostile_file_name(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    name = "catalog/x\n::error file=forged.yaml::pwned,%0A.yaml"
    root = make_repo({**CLEAN, name: "a: 1\na: 2\n"})
    result = run_cli("validate", str(root), "--format", "github")
    assert result.exit_code == 1
    lines = re.split(r"\r\n|\r|\n", result.stdout.removesuffix("\n"))
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == len(lines) - 1  # every line but the summary is one of our annotations
    assert all(
        # The newline shown as an escape (issue 11, item 11), the rest read back exactly.
        line.startswith("::error file=catalog/x\\n%3A%3Aerror file=forged.yaml%3A%3Apwned%2C%250A.yaml,")
        for line in commands
    )


def test_text_output_escapes_a_hostile_file_name(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({**CLEAN, "catalog/x\x1b[2J\n.yaml": "a: 1\na: 2\n"})
    result = run_cli("validate", str(root))
    assert result.exit_code == 1
    assert "catalog/x\\x1b[2J\\n.yaml" in result.stdout
    assert "\x1b" not in result.stdout


# --- the repository is never touched ------------------------------------------------------------


def test_validate_never_modifies_the_repository(make_repo, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({**WARNINGS_ONLY, "catalog/bad.yaml": BROKEN["catalog/bad.yaml"]})
    before = _snapshot(root)
    for output_format in FORMATS:
        assert run_cli("validate", str(root), "--format", output_format).exit_code == 1
        assert run_cli("validate", str(root), "--format", output_format, "--no-cache").exit_code == 1
    run_cli("validate", str(root), "-o", str(tmp_path / "out.json"), "--format", "json")
    assert _snapshot(root) == before


# --- rules --------------------------------------------------------------------------------------


def test_rules_lists_every_rule(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("rules")
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert listed == list(REGISTRY)
    assert re.search(r"^duplicate-key +error +A mapping has the same key twice\.$", result.stdout, re.MULTILINE)


def test_rules_shows_one_rule_with_examples(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("rules", "duplicate-key")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("duplicate-key (error)")
    failing, passing = out.split("Failing example:")[1].split("Passing example:")
    assert "members: [bob]   # <-" in failing
    assert "members: [alice, bob]" in passing and "# <-" not in passing
    # The examples are printed as valid YAML, indented.
    assert yaml.safe_load(textwrap.dedent(passing))["spec"] == {"members": ["alice", "bob"]}


def test_rules_with_a_typo_suggests_the_closest(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("rules", "duplicate-keys")
    assert result.exit_code == 2
    assert "no rule 'duplicate-keys'; did you mean 'duplicate-key'?" in result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr


def test_rules_with_an_unknown_name_points_at_the_list(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("rules", "nosuchrule")
    assert result.exit_code == 2
    assert "no rule 'nosuchrule'" in result.stderr and "itsmctl rules" in result.stderr


# --- schema export ------------------------------------------------------------------------------


def test_schema_export_writes_one_valid_schema_per_kind(make_repo, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "schemas"
    result = run_cli("schema", "export", str(target))
    assert result.exit_code == 0
    expected = {f"{kind.lower()}.schema.json" for kind in KINDS} | {
        "record.schema.json",
        "knowledgearticle.frontmatter.schema.json",
    }
    assert {p.name for p in target.iterdir()} == expected
    assert f"wrote {len(expected)} schemas" in result.stdout
    schemas = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in target.iterdir()}
    for name, schema in schemas.items():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", name
        refs = re.findall(r'"\$ref": "([^"]*)"', json.dumps(schema))
        assert all(ref.startswith("#/") for ref in refs), (name, refs)  # self-contained

    # The exported schemas judge records as validate does.
    combined = jsonschema.Draft202012Validator(schemas["record.schema.json"])
    for text, kind in [(TEAMS, "team"), (SLAS, "sla"), (SERVICES, "service")]:
        record = yaml.safe_load(text)
        assert list(jsonschema.Draft202012Validator(schemas[f"{kind}.schema.json"]).iter_errors(record)) == []
        assert list(combined.iter_errors(record)) == []
    broken = yaml.safe_load(SERVICES.replace("lifecycle: production", "lifecycle: prodution"))
    assert list(combined.iter_errors(broken))
    assert list(jsonschema.Draft202012Validator(schemas["service.schema.json"]).iter_errors(broken))


def test_schema_export_into_a_file_exits_2(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "file"
    target.write_text("x")
    result = run_cli("schema", "export", str(target))
    assert result.exit_code == 2 and "Traceback" not in result.stderr


# --- the installed command ----------------------------------------------------------------------


def test_installed_console_script_runs(make_repo) -> None:  # type: ignore[no-untyped-def]
    executable = shutil.which("itsmctl")
    assert executable is not None, "the itsmctl console script is not installed"
    root = make_repo(BROKEN)
    done = subprocess.run(
        [executable, "validate", str(root), "--format", "json"], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["summary"]["error"] == 1
    assert "Traceback" not in done.stderr
    missing = subprocess.run(
        [executable, "validate", str(root / "nope")], capture_output=True, text=True, check=False, timeout=60
    )
    assert missing.returncode == 2 and "no such directory" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_example_repository_validates(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("validate", str(REPO_ROOT), "--format", "json")
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["summary"]["records"] > 90

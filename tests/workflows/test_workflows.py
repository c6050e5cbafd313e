"""The shipped workflows and action: valid, pinned, least privilege, no PR code with secrets."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _load(path: Path) -> dict:  # type: ignore[type-arg]
    # PyYAML reads the key `on` as True (YAML 1.1); normalise it back.
    data = yaml.safe_load(path.read_text())
    if True in data:
        data["on"] = data.pop(True)
    return data  # type: ignore[no-any-return]


def _check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_there_are_workflows() -> None:
    names = {path.name for path in WORKFLOWS}
    assert {"itsm-pull-request.yml", "itsm-review.yml", "itsm-main.yml", "deploy-example.yml"} <= names


def test_workflows_are_valid() -> None:
    done = _check_jsonschema("vendor.github-workflows", *WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr
    done = _check_jsonschema("custom.github-workflows-require-timeout", *WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_action_is_valid() -> None:
    done = _check_jsonschema("vendor.github-actions", REPO_ROOT / "action.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def _uses(node: object) -> list[str]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "uses" and isinstance(value, str):
                found.append(value)
            found.extend(_uses(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_uses(item))
    return found


@pytest.mark.parametrize("path", [*WORKFLOWS, REPO_ROOT / "action.yml"], ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit(path: Path) -> None:
    uses = _uses(_load(path))
    assert uses
    for reference in uses:
        assert reference.startswith("./") or PINNED.match(reference), f"{path.name}: {reference} is not pinned to a SHA"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege(path: Path) -> None:
    workflow = _load(path)
    assert workflow.get("permissions") == {}, f"{path.name}: the workflow default must grant nothing"
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{path.name}: job {name} must declare its permissions"
        allowed = {"contents", "pull-requests", "statuses", "security-events", "pages", "id-token", "checks"}
        assert set(job["permissions"]) <= allowed
        # Only main's own code, after review, may push (the evidence notes); never on pull requests.
        trusted = set(workflow["on"]) == {"push"} and workflow["on"]["push"].get("branches") == ["main"]
        allowed_contents = ("read", None, "write") if trusted else ("read", None)
        assert job["permissions"].get("contents") in allowed_contents, f"{path.name}: {name} must not write contents"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_pull_request_target_and_no_untrusted_interpolation_in_scripts(path: Path) -> None:
    workflow = _load(path)
    assert "pull_request_target" not in workflow["on"], f"{path.name}: pull_request_target runs with secrets"
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            script = step.get("run", "")
            # Event data goes through env:, never straight into a shell script.
            assert "${{" not in script, f"{path.name}: expression inside run: {script!r}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_jobs_with_secrets_or_write_access_run_no_pull_request_code(path: Path) -> None:
    workflow = _load(path)
    events = workflow["on"]
    if not any(event in events for event in ("pull_request", "pull_request_review")):
        return
    for name, job in workflow["jobs"].items():
        permissions = job.get("permissions", {})
        writes = any(value == "write" for key, value in permissions.items() if key != "security-events")
        steps = job.get("steps", [])
        uses_secrets = any("secrets." in str(step.get("env", {})) for step in steps)
        if not (writes or uses_secrets):
            continue
        installs = [step["run"] for step in steps if "pip install" in step.get("run", "")]
        assert installs and all(run.strip() == "python -I -m pip install ./itsmctl-base" for run in installs), (
            f"{path.name}: job {name} can write or holds secrets, so it must install itsmctl from the base branch, "
            "with pip in isolated mode (`python -m` alone imports from the current folder)"
        )
        bases = [s for s in steps if "base.sha" in str(s.get("with", {}).get("ref", ""))]
        assert [s["with"].get("path") for s in bases] == ["itsmctl-base"]
        for step in steps:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False


def test_pre_commit_hook_runs_validate() -> None:
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["entry"] == "itsmctl validate" and hook["pass_filenames"] is False
    assert re.match(hook["files"], "changes/2026/chg-1.yaml") and not re.match(hook["files"], "README.md")


def test_codeowners_routes_changes_to_the_cab() -> None:
    owners = (REPO_ROOT / ".github" / "CODEOWNERS").read_text()
    assert re.search(r"^/changes/\s+@acme/cab$", owners, re.MULTILINE)

"""Workflow steps run for real against a hostile checkout: no job that can write, or holds a secret, runs its code.

A static allowlist of commands once passed `python -m pip install ...` in a pull
request's checkout, yet `python -m` puts the current folder first on the module
path: a pull request's `pip/__main__.py` ran with a token that sets statuses. So
here every `run:` step of every job that holds a write permission or a secret
(and every step of the composite action, which callers run in their own jobs) is
executed by bash in a workspace laid out as the job lays it out, where each
checkout of data (anything but the trusted itsmctl source) is planted with code
that Python, pip or a shell might pick up from the current folder: `pip/`,
`sitecustomize.py`, `usercustomize.py`, `itsmctl/`, `setuptools/` and executables
named like the commands the steps call. `itsmctl` and `git` are stand-ins that
record how they were called; `python` and pip are real (pip offline, so installing
fails fast, after it has started). Then: nothing planted ran, `$GITHUB_PATH` and
`$GITHUB_ENV` are untouched, and in pull request workflows itsmctl reads the pull
request only as data (`-C <its checkout>`), never from inside it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_review", "pull_request_review_comment"})
SECRET = re.compile(r"secrets\.|github\.token")
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
PLANTED_MODULES = ("pip", "itsmctl", "setuptools")
PLANTED_FILES = ("sitecustomize.py", "usercustomize.py")
PLANTED_COMMANDS = ("itsmctl", "python", "python3", "pip", "git", "cat", "bash", "sh", "echo", "read")
STAND_INS = ("itsmctl", "git")


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:  # YAML 1.1 reads the key `on` as True
        data["on"] = data.pop(True)
    return data


def _events(workflow: dict[str, Any]) -> set[str]:
    on = workflow.get("on", {})
    return {on} if isinstance(on, str) else set(on)


def holds_write_or_secret(workflow: dict[str, Any], job: dict[str, Any]) -> bool:
    permissions = job.get("permissions", workflow.get("permissions"))
    if permissions == "write-all" or (isinstance(permissions, dict) and "write" in permissions.values()):
        return True
    return bool(SECRET.search(json.dumps(job)) or SECRET.search(json.dumps(workflow.get("env", {}))))


@dataclass
class Job:
    name: str
    steps: list[dict[str, Any]]
    env: dict[str, str]
    default_directory: str
    pull_request: bool  # what is checked out is a pull request's
    composite: bool = False  # the action: the caller's workspace is data, the action's folder is itsmctl


def jobs_to_check() -> list[Job]:
    found = []
    for path in WORKFLOWS:
        workflow = _load(path)
        for name, job in workflow["jobs"].items():
            if holds_write_or_secret(workflow, job):
                defaults = (job.get("defaults") or workflow.get("defaults") or {}).get("run") or {}
                found.append(
                    Job(
                        f"{path.name}:{name}",
                        job.get("steps", []),
                        {**workflow.get("env", {}), **job.get("env", {})},
                        defaults.get("working-directory", "."),
                        bool(_events(workflow) & PULL_REQUEST_EVENTS),
                    )
                )
    action = _load(REPO_ROOT / "action.yml")
    found.append(Job("action.yml", action["runs"]["steps"], {}, ".", True, composite=True))
    return found


@dataclass
class Outcome:
    ran: bool  # planted code ran
    wrote: list[str]  # $GITHUB_PATH / $GITHUB_ENV lines
    calls: list[dict[str, Any]]  # itsmctl calls: cwd, args
    data: list[Path]  # checkouts of data
    workspace: Path


def _plant(folder: Path, marker: Path) -> None:
    code = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
    for module in PLANTED_MODULES:
        (folder / module).mkdir(parents=True, exist_ok=True)
        (folder / module / "__init__.py").write_text(code)
        (folder / module / "__main__.py").write_text(code)
    for name in PLANTED_FILES:
        (folder / name).write_text(code)
    for command in PLANTED_COMMANDS:
        script = folder / command
        if not script.exists():
            script.write_text(f"#!/bin/sh\necho ran > {marker}\n")
            script.chmod(0o755)


def _stand_ins(folder: Path, log: Path) -> None:
    folder.mkdir()
    for command in STAND_INS:
        script = folder / command
        script.write_text(
            f"#!{sys.executable} -I\nimport json, os, sys\n"
            f"with open({str(log)!r}, 'a') as f:\n"
            f"    f.write(json.dumps({{'command': {command!r}, 'cwd': os.getcwd(), 'args': sys.argv[1:]}}) + '\\n')\n"
        )
        script.chmod(0o755)


def _expand(text: str, values: dict[str, str]) -> str:
    return EXPRESSION.sub(lambda m: values.get(m.group(1), "1"), str(text))


def simulate(job: Job, tmp: Path) -> Outcome:
    workspace, temp, action, stand_ins = tmp / "workspace", tmp / "runner-temp", tmp / "action", tmp / "stand-ins"
    marker, log, files = tmp / "planted-code-ran", tmp / "calls.jsonl", tmp / "files"
    for folder in (workspace, temp, action, files, tmp / "home"):
        folder.mkdir(parents=True)
    _stand_ins(stand_ins, log)
    data: list[Path] = []
    if job.composite:
        _plant(workspace, marker)  # the caller's checkout, maybe a pull request's
        data.append(workspace)
    values = {"github.workspace": str(workspace), "runner.temp": str(temp), "github.action_path": str(action)}
    special = {name: files / name for name in ("GITHUB_PATH", "GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")}
    for path in special.values():
        path.write_text("")
    for step in job.steps:
        uses = step.get("uses", "")
        if uses.startswith("actions/checkout@"):
            checkout = workspace / _expand(step.get("with", {}).get("path", ""), values)
            checkout.mkdir(parents=True, exist_ok=True)
            if "base.sha" not in str(step.get("with", {}).get("ref", "")):
                _plant(checkout, marker)
                data.append(checkout)
            continue
        if uses.startswith("./"):
            pytest.fail(f"{job.name}: runs an action from the checkout ({uses})")
        if "run" not in step:
            continue  # a third-party action: its own code
        directory = _expand(step.get("working-directory", job.default_directory), values)
        cwd = workspace / directory  # an absolute path replaces the workspace
        env = {
            "PATH": os.pathsep.join([str(stand_ins), str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
            "HOME": str(tmp / "home"),
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_ACTION_PATH": str(action),
            "RUNNER_TEMP": str(temp),
            "PIP_NO_INDEX": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            **{name: str(path) for name, path in special.items()},
            **{key: _expand(value, values) for key, value in {**job.env, **step.get("env", {})}.items()},
        }
        script = tmp / "step.sh"
        script.write_text(_expand(step["run"], {**values, "inputs.args": "validate"}))
        subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd, env=env, capture_output=True, timeout=120, check=False,
        )  # fmt: skip
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    wrote = special["GITHUB_PATH"].read_text().splitlines() + special["GITHUB_ENV"].read_text().splitlines()
    return Outcome(marker.exists(), wrote, calls, data, workspace)


def problems(job: Job, outcome: Outcome) -> list[str]:
    found = []
    if outcome.ran:
        found.append(f"{job.name}: code planted in a checkout ran")
    if outcome.wrote:
        found.append(f"{job.name}: a step wrote $GITHUB_PATH or $GITHUB_ENV: {outcome.wrote}")
    for call in outcome.calls:
        if call["command"] != "itsmctl" or job.composite or not job.pull_request:
            continue
        cwd = Path(call["cwd"])
        if any(cwd == folder or folder in cwd.parents for folder in outcome.data):
            found.append(f"{job.name}: itsmctl runs inside the pull request's checkout ({cwd})")
        args = call["args"]
        target = (Path(call["cwd"]) / args[1]).resolve() if args[:1] == ["-C"] and len(args) > 1 else None
        if target not in [folder.resolve() for folder in outcome.data]:
            found.append(f"{job.name}: itsmctl {' '.join(args)} does not read the pull request as data (-C)")
    return found


JOBS = jobs_to_check()


def test_the_jobs_that_can_write_or_hold_a_secret_are_all_here() -> None:
    names = {job.name for job in JOBS}
    assert {
        "itsm-pull-request.yml:validate",
        "itsm-pull-request.yml:approvals",
        "itsm-review.yml:approvals",
        "itsm-main.yml:evidence",
        "action.yml",
    } <= names


@pytest.mark.parametrize("job", JOBS, ids=[job.name for job in JOBS])
def test_no_step_of_a_job_that_can_write_runs_code_from_a_checkout(job: Job, tmp_path: Path) -> None:
    outcome = simulate(job, tmp_path)
    assert problems(job, outcome) == []
    if job.pull_request and not job.composite:
        assert any(call["command"] == "itsmctl" for call in outcome.calls), "the job was really run"


# --- the check catches what it is meant to ----------------------------------------------------

_PR_CHECKOUT = {"uses": "actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8", "with": {}}
_BASE_CHECKOUT = {
    "uses": "actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8",
    "with": {"ref": "${{ github.event.pull_request.base.sha }}", "path": ".itsmctl-base"},
}


@pytest.mark.parametrize(
    "steps, expected",
    [
        # The shipped layout before the fix: the pull request's checkout is the current folder.
        ([_PR_CHECKOUT, _BASE_CHECKOUT, {"run": "python -m pip install ./.itsmctl-base"}], "planted in a checkout ran"),
        ([_PR_CHECKOUT, {"run": "python -m itsmctl validate"}], "planted in a checkout ran"),
        ([_PR_CHECKOUT, {"run": 'echo "$GITHUB_WORKSPACE/bin" >> "$GITHUB_PATH"'}], "wrote $GITHUB_PATH"),
        ([_PR_CHECKOUT, {"run": "itsmctl review --pr 1 --status"}], "runs inside the pull request's checkout"),
        (
            [{**_PR_CHECKOUT, "with": {"path": "pr"}}, {"run": "itsmctl review --pr 1"}],
            "does not read the pull request",
        ),
    ],
)
def test_the_check_catches_a_job_that_runs_pull_request_code(steps: list[Any], expected: str, tmp_path: Path) -> None:
    job = Job("example", steps, {}, ".", pull_request=True)
    assert any(expected in problem for problem in problems(job, simulate(job, tmp_path)))

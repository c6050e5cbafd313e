"""Workflow attacks: the shipped GitHub workflows give pull request code no secret and no write token.

tests/workflows/test_workflows.py already checks that every `uses:` is pinned to
a 40-hex commit, that there is no `pull_request_target`, that the workflow
default is `permissions: {}` and every job declares its own, that only
main-branch jobs may write contents, and that no `${{ }}` expression is pasted
into a `run:` script. This module adds what it does not check:

- a job that runs code from the pull request references no secret at all
  (any `secrets.*` or `github.token`, in env, with or anywhere else) and
  leaves no credential in the checkout;
- no privileged trigger (`pull_request_target`, `workflow_run`, `issue_comment`)
  checks out the pull request's code;
- every permission above `contents: read` is used by a step that needs it.

Each check is first shown to catch a workflow that does the wrong thing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_review", "pull_request_review_comment"})
PRIVILEGED_EVENTS = frozenset({"pull_request_target", "workflow_run", "issue_comment"})
# Third-party actions (pinned elsewhere) run their own code, never the pull request's.
THIRD_PARTY = ("actions/checkout@", "actions/setup-python@", "github/codeql-action/upload-sarif@")
# Shell commands a trusted job may run: the base branch's itsmctl, reading the pull request as data, and
# plumbing around it. Never `python -m` without -I: it imports from the current folder first (a pull
# request's `pip/`); tests/attacks/test_attack_workflow_steps.py runs the steps to prove it.
TRUSTED_COMMAND = re.compile(r"^(itsmctl -C pull-request |python -I -m pip install \./itsmctl-base$|cat |exit |echo )")
SECRET = re.compile(r"secrets\.|github\.token")


def _load(path: Path) -> dict[str, Any]:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in workflow:  # YAML 1.1 reads the key `on` as True
        workflow["on"] = workflow.pop(True)
    return workflow  # type: ignore[no-any-return]


def _events(workflow: dict[str, Any]) -> set[str]:
    on = workflow["on"]
    return {on} if isinstance(on, str) else set(on)


def runs_pull_request_code(job: dict[str, Any]) -> bool:
    """Whether a job (of a pull request workflow) executes anything but third-party actions and the base's itsmctl."""
    for step in job.get("steps", []):
        uses = step.get("uses")
        if uses is not None and not uses.startswith(THIRD_PARTY):
            return True  # a local action (./...) comes from the pull request
        for line in filter(None, (line.strip() for line in step.get("run", "").splitlines())):
            if not TRUSTED_COMMAND.match(line):
                return True
    return False


def secrets_exposed_to_pull_request_code(workflow: dict[str, Any]) -> list[str]:
    if not _events(workflow) & (PULL_REQUEST_EVENTS | PRIVILEGED_EVENTS):
        return []
    problems = []
    for name, job in workflow["jobs"].items():
        if not runs_pull_request_code(job):
            continue
        if SECRET.search(json.dumps(job)) or SECRET.search(json.dumps(workflow.get("env", {}))):
            problems.append(f"{name}: a secret is within reach of pull request code")
        if any(v == "write" for v in (job.get("permissions") or {}).values()) or job.get("permissions") == "write-all":
            problems.append(f"{name}: a write token is within reach of pull request code")
        for step in job.get("steps", []):
            if (
                step.get("uses", "").startswith("actions/checkout@")
                and step.get("with", {}).get("persist-credentials") is not False
            ):
                problems.append(f"{name}: the checkout leaves the token in .git/config")
    return problems


def privileged_checkouts_of_pull_request_code(workflow: dict[str, Any]) -> list[str]:
    if not _events(workflow) & PRIVILEGED_EVENTS:
        return []
    problems = []
    for name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            ref = str(step.get("with", {}).get("ref", "")) + str(step.get("with", {}).get("repository", ""))
            if step.get("uses", "").startswith("actions/checkout@") and re.search(
                r"head|refs/pull|merge|workflow_run", ref
            ):
                problems.append(f"{name}: checks out the pull request's code ({ref}) with a privileged token")
    return problems


def _run_has(*words: str) -> Callable[[dict[str, Any]], bool]:
    """A step runs ``itsmctl [-C DIR] words...`` (the first word is the subcommand, the rest its options)."""
    command = re.compile(r"itsmctl (?:-C \S+ )?" + re.escape(words[0]))
    return lambda job: any(
        command.search(step.get("run", "")) and all(w in step.get("run", "") for w in words[1:])
        for step in job.get("steps", [])
    )


def _uses(action: str) -> Callable[[dict[str, Any]], bool]:
    return lambda job: any(step.get("uses", "").startswith(f"{action}@") for step in job.get("steps", []))


# Every permission beyond reading the repository, and the step that needs it.
JUSTIFIED: dict[tuple[str, str], Callable[[dict[str, Any]], bool]] = {
    ("contents", "write"): _run_has("evidence record", "--push"),
    ("pull-requests", "read"): lambda job: _run_has("evidence record")(job) or _run_has("review")(job),
    ("pull-requests", "write"): _run_has("review", "--comment"),
    ("statuses", "write"): _run_has("review", "--status"),
    ("security-events", "write"): _uses("github/codeql-action/upload-sarif"),
    ("pages", "write"): _uses("actions/deploy-pages"),
    ("id-token", "write"): _uses("actions/deploy-pages"),
}


def unjustified_permissions(workflow: dict[str, Any]) -> list[str]:
    problems = []
    top = workflow.get("permissions")
    if top not in ({}, "read-all") and not (isinstance(top, dict) and set(top.values()) <= {"read", "none"}):
        problems.append(f"the workflow default grants {top!r}")
    for name, job in workflow["jobs"].items():
        permissions = job.get("permissions")
        if not isinstance(permissions, dict):
            problems.append(f"{name}: permissions must be a per-scope mapping, not {permissions!r}")
            continue
        for scope, level in permissions.items():
            if (scope, level) in (("contents", "read"),) or level == "none":
                continue
            check = JUSTIFIED.get((scope, level))
            if check is None or not check(job):
                problems.append(f"{name}: {scope}: {level} is not used by any step")
    return problems


# --- the checks catch what they are meant to --------------------------------------------------

_CHECKOUT = {
    "uses": "actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8",
    "with": {"persist-credentials": False},
}


def test_the_checks_catch_unsafe_workflows() -> None:
    leaky = {
        "on": {"pull_request": {}},
        "permissions": {},
        "jobs": {
            "test": {
                "permissions": {"contents": "read"},
                "steps": [_CHECKOUT, {"run": "make test", "with": {"token": "${{ secrets.NPM_TOKEN }}"}}],
            },
            "lint": {
                "permissions": {"contents": "read"},
                "env": {"T": "${{ github.token }}"},
                "steps": [{"uses": "./"}],
            },
        },
    }
    assert len(secrets_exposed_to_pull_request_code(leaky)) == 2
    target = {
        "on": {"pull_request_target": {}},
        "jobs": {"x": {"steps": [{**_CHECKOUT, "with": {"ref": "${{ github.event.pull_request.head.sha }}"}}]}},
    }
    assert privileged_checkouts_of_pull_request_code(target)
    greedy = {
        "on": {"push": {}},
        "permissions": "write-all",
        "jobs": {"x": {"permissions": {"contents": "read", "issues": "write", "statuses": "write"}, "steps": []}},
    }
    assert len(unjustified_permissions(greedy)) == 3


# --- the shipped workflows --------------------------------------------------------------------


def test_pull_request_code_runs_in_some_job() -> None:
    # Not vacuous: the project's own test job runs the pull request's code (.ci/run).
    jobs = [(p.name, n) for p in WORKFLOWS for n, job in _load(p)["jobs"].items() if runs_pull_request_code(job)]
    assert ("ci.yml", "test") in jobs
    # ...and the jobs that hold the token to comment and set statuses do not.
    review = _load(REPO_ROOT / ".github" / "workflows" / "itsm-review.yml")
    assert not runs_pull_request_code(review["jobs"]["approvals"])


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_secret_or_write_token_within_reach_of_pull_request_code(path: Path) -> None:
    assert secrets_exposed_to_pull_request_code(_load(path)) == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_privileged_trigger_checks_out_pull_request_code(path: Path) -> None:
    assert privileged_checkouts_of_pull_request_code(_load(path)) == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_write_scope_is_used_by_a_step_that_needs_it(path: Path) -> None:
    assert unjustified_permissions(_load(path)) == []

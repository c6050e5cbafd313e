"""Red-team finding against the shipped workflows (after issue 11): a job that can write runs code from the
pull request after all (fixed: pip runs in isolated mode, the pull request is checked out in its own folder;
tests/attacks/test_attack_workflow_steps.py checks every step of every such job).

`python -m MODULE` puts the current directory first on sys.path, and the jobs run in the pull request's
checkout: a pull request that adds `pip/__main__.py` runs its own code in the `pip install` step of a job
holding `statuses: write` and `pull-requests: write`. From there it can prepend a folder with a fake
`itsmctl` to `$GITHUB_PATH`, and the next step hands that fake the GITHUB_TOKEN (`itsmctl review
--status`), so the `itsmctl/approvals` status says whatever the pull request wants.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))


def _writing_jobs_on_pull_request_code() -> list[tuple[str, str, dict[str, Any]]]:
    """(workflow, job, job) for jobs triggered by pull requests that hold any permission beyond reading."""
    found = []
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text())
        events = workflow.get(True) or workflow.get("on") or {}
        if not any(str(event).startswith("pull_request") for event in events):
            continue
        for name, job in workflow["jobs"].items():
            if any(level == "write" for level in (job.get("permissions") or {}).values()):
                found.append((path.name, name, job))
    return found


JOBS = _writing_jobs_on_pull_request_code()


def test_control_the_scenario_has_jobs_that_write() -> None:
    assert {(w, j) for w, j, _ in JOBS} >= {("itsm-pull-request.yml", "approvals"), ("itsm-review.yml", "approvals")}


@pytest.mark.parametrize("where", [f"{w}:{j}" for w, j, _ in JOBS])
def test_no_step_of_a_writing_job_imports_code_from_the_checkout(tmp_path: Path, where: str) -> None:
    workflow, name = where.split(":")
    job = next(job for w, j, job in JOBS if (w, j) == (workflow, name))
    checkout = tmp_path / "pull-request"
    (checkout / "pip").mkdir(parents=True)
    marker = tmp_path / "pull-request-code-ran"
    (checkout / "pip" / "__init__.py").write_text("")
    (checkout / "pip" / "__main__.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    (checkout / ".itsmctl-base").mkdir()  # an empty base checkout: a real pip fails fast on it, offline
    default = ((job.get("defaults") or {}).get("run") or {}).get("working-directory", ".")
    runs = [
        (step["run"], step.get("working-directory", default))
        for step in job["steps"]
        if "run" in step and "pip install" in step["run"]
    ]
    assert runs, "the job installs itsmctl"
    for script, directory in runs:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "PIP_NO_INDEX": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        subprocess.run(
            ["bash", "-c", script], cwd=checkout / directory, env=env, capture_output=True, timeout=120, check=False
        )
    assert not marker.exists(), f"{where}: the pull request's pip/__main__.py ran in a job that can write"

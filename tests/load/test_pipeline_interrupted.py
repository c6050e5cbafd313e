"""``validate`` on a repository large enough for worker processes, interrupted: no worker prints a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from itsmctl.load.pipeline import PARALLEL_MIN_BYTES
from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
from synth import generate  # noqa: E402


def _workers_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to see the workers start")
@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_interrupted_parallel_validate_prints_no_worker_traceback(tmp_path: Path, sent: signal.Signals) -> None:
    root = tmp_path / "repo"
    generate(root, cis=9000, services=1000, changes=2000, files=200)
    assert sum(p.stat().st_size for p in root.rglob("*.yaml")) > PARALLEL_MIN_BYTES
    process = subprocess.Popen(
        [sys.executable, "-m", "itsmctl", "-C", str(root), "validate", "--no-cache", "--format", "json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as a job in a terminal
    )
    deadline = time.monotonic() + 60
    while not _workers_of(process.pid):
        assert process.poll() is None and time.monotonic() < deadline, "no worker process started"
        time.sleep(0.01)
    time.sleep(0.3)  # the workers are parsing
    if sent == signal.SIGINT:
        os.killpg(process.pid, sent)  # Ctrl-C reaches every process of the group
    else:
        process.send_signal(sent)  # the command alone: its workers must not outlive it
    # Reading stderr to its end needs every worker gone: they hold it open while they live.
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr

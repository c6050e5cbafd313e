"""``catalog build`` interrupted or killed: no traceback, no worker left, no folder left forever.

Real builds in subprocesses (two worker processes), signalled while they render.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from itsmctl.publish import staging
from itsmctl.publish.build import MARKER
from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
from synth import generate  # noqa: E402

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and fork")


@pytest.fixture(scope="module")
def large_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough pages (about 2,000) that a build with two workers runs for a while."""
    root = tmp_path_factory.mktemp("large") / "repo"
    generate(root, cis=1500, services=250, changes=400, files=30)
    return root


def _start(repo: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "itsmctl", "-C", str(repo), "catalog", "build", "--out", str(out), "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a job in a terminal or a CI step
    )


def _building(out: Path) -> list[Path]:
    return sorted(p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.building-"))


def _wait_until_rendering(process: subprocess.Popen[str], out: Path, known: list[Path] = ()) -> Path:  # type: ignore[assignment]
    """The build's own folder, once its workers have written some pages."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        for folder in _building(out):
            if folder not in known and folder.is_dir() and len(list((folder / "services").glob("*.html"))) > 20:
                return folder
        time.sleep(0.01)
    raise AssertionError("the build never started rendering")


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and b"itsmctl" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
    return found


def _process(pid: int) -> tuple[str, str] | None:
    """(state, start time) of a process, None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], fields[19]


def _gone(worker: tuple[int, str]) -> bool:
    """The worker has exited (gone, or a zombie nobody reaped, or its pid taken by another process)."""
    pid, started = worker
    deadline = time.monotonic() + 10  # a killed process closes its files a moment before it is a zombie
    while time.monotonic() < deadline:
        status = _process(pid)
        if status is None or status[0] in "ZX" or status[1] != started:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to find the workers")
def test_a_killed_build_leaves_no_worker_and_no_traceback_and_the_next_build_cleans_up(
    large_repo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    process = _start(large_repo, out)
    folder = _wait_until_rendering(process, out)
    workers = [(pid, status[1]) for pid in _children_of(process.pid) if (status := _process(pid))]
    assert len(workers) == 2
    process.kill()
    # Reading stderr to its end needs every worker gone: they hold it open while they live.
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert "Traceback" not in stderr and "Error" not in stderr, stderr
    for worker in workers:
        assert _gone(worker), f"worker {worker} outlived the build"
    # What the killed build left behind: its folder and the lock file that says whose it is.
    assert folder.is_dir() and folder.with_name(folder.name + ".lock").is_file()

    rebuilt = subprocess.run(
        [sys.executable, "-m", "itsmctl", "-C", str(large_repo), "catalog", "build", "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert (out / MARKER).is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


@pytest.mark.parametrize(
    ("sent", "group", "code"),
    [
        (
            signal.SIGINT,
            True,
            128 + signal.SIGINT,
        ),  # Ctrl-C: the terminal signals the whole process group, workers included
        (signal.SIGTERM, False, 128 + signal.SIGTERM),  # kill PID
        (signal.SIGTERM, True, 128 + signal.SIGTERM),  # a cancelled CI job
    ],
    ids=["ctrl-c", "term", "term-group"],
)
def test_an_interrupted_build_cleans_up_after_itself(
    large_repo: Path, tmp_path: Path, sent: signal.Signals, group: bool, code: int
) -> None:
    out = tmp_path / "site"
    process = _start(large_repo, out)
    _wait_until_rendering(process, out)
    if group:
        os.killpg(process.pid, sent)
    else:
        process.send_signal(sent)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code
    assert "Traceback" not in stderr, stderr
    assert list(tmp_path.iterdir()) == []


def test_a_running_build_keeps_its_folder_while_another_one_builds(large_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = _start(large_repo, out)
    folder = _wait_until_rendering(first, out)
    first.send_signal(signal.SIGSTOP)  # still alive, its lock held: not a leftover
    try:
        second = subprocess.run(
            [sys.executable, "-m", "itsmctl", "-C", str(large_repo), "catalog", "build", "--out", str(out), "--quiet"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert second.returncode == 0, second.stderr
        assert folder.is_dir() and folder.with_name(folder.name + ".lock").is_file()
    finally:
        first.send_signal(signal.SIGCONT)
    _, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    assert (out / MARKER).is_file() and [p.name for p in tmp_path.iterdir()] == ["site"]


# --- what counts as a leftover of ours --------------------------------------------------------------


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _leftover(out: Path, suffix: str, owner: dict[str, object] | None, with_old: bool = False) -> Path:
    folder = out.parent / f".{out.name}.building-{suffix}"
    folder.mkdir()
    (folder / "index.html").write_text("half a site")
    if with_old:
        old = folder.with_name(folder.name + "-old")
        old.mkdir()
        (old / MARKER).write_text("the previous site, moved aside")
    if owner is not None:
        folder.with_name(folder.name + ".lock").write_text(json.dumps(owner))
    return folder


def test_only_provable_leftovers_of_dead_builds_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "site"
    mine = {"tool": "itsmctl", "host": socket.gethostname(), "out": str(out)}
    abandoned = _leftover(out, "dead", {**mine, "pid": _dead_pid()}, with_old=True)
    kept = [
        _leftover(out, "nolock", None),  # no lock file: not provably ours
        _leftover(out, "foreign", {"tool": "something-else", "pid": _dead_pid()}),
        _leftover(out, "alive", {**mine, "pid": os.getppid()}),  # the process still runs
        _leftover(out, "otherhost", {**mine, "pid": _dead_pid(), "host": "elsewhere.example"}),
        _leftover(out, "otherout", {**mine, "pid": _dead_pid(), "out": str(tmp_path / "other")}),
        _leftover(out, "garbage", None),
    ]
    kept[-1].with_name(kept[-1].name + ".lock").write_text("not json")
    # A lock file that is a symlink to a valid one is not ours either.
    linked = _leftover(out, "linked", None)
    (tmp_path / "elsewhere.lock").write_text(json.dumps({**mine, "pid": _dead_pid()}))
    linked.with_name(linked.name + ".lock").symlink_to(tmp_path / "elsewhere.lock")
    kept.append(linked)
    other_name = _leftover(tmp_path / "blog", "dead", {**mine, "pid": _dead_pid(), "out": str(tmp_path / "blog")})

    assert staging.remove_leftovers(out) == [abandoned]
    assert not abandoned.exists() and not abandoned.with_name(abandoned.name + "-old").exists()
    assert not abandoned.with_name(abandoned.name + ".lock").exists()
    for folder in [*kept, other_name]:
        assert (folder / "index.html").read_text() == "half a site", folder.name


def test_a_leftover_is_kept_while_its_lock_is_held(tmp_path: Path) -> None:
    # A build whose process is gone but whose lock is still held (by a worker still writing): not a leftover yet.
    out = tmp_path / "site"
    running = staging.create(out)
    (running.folder / "index.html").write_text("being built")
    claim = json.dumps({"tool": "itsmctl", "host": socket.gethostname(), "out": str(out), "pid": _dead_pid()})
    os.ftruncate(running._descriptor, 0)
    os.pwrite(running._descriptor, claim.encode(), 0)
    assert staging.remove_leftovers(out) == []
    assert (running.folder / "index.html").read_text() == "being built"
    os.close(running._descriptor)  # the lock goes with the last process holding it
    assert staging.remove_leftovers(out) == [running.folder]
    assert list(tmp_path.iterdir()) == []

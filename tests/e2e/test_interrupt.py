"""Ctrl-C exits 130 ("interrupted"); a click Abort (a declined prompt, end of input) stays exit 2.

click turns a KeyboardInterrupt into ``Abort`` when it runs without standalone
mode, so the 130 of ``main`` was never reached and Ctrl-C said "aborted", exit 2
(issue 11 leftovers, item 2). The interrupt is sent for real: a subprocess
waits on a GitHub that accepted the connection and never answers.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from itsmctl.cli import cli, main
from tests.gitrepo import GitRepo


def test_ctrl_c_exits_130_and_says_interrupted(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("empty", {"catalog/README.yaml": "# nothing yet\n"})
    github = socket.create_server(("127.0.0.1", 0))
    github.settimeout(60)
    environment = {
        **os.environ,
        "GITHUB_API_URL": f"http://127.0.0.1:{github.getsockname()[1]}",
        "GITHUB_TOKEN": "token",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "itsmctl", "-C", str(repo.root), "review", "--pr", "1", "--repo", "acme/itsm"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        start_new_session=True,  # a process group of its own, as a job in a terminal
    )
    try:
        connection, _ = github.accept()  # the command now waits for an answer that never comes
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
        out, err = process.communicate(timeout=60)
        connection.close()
    finally:
        github.close()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] == "itsmctl: interrupted"
    assert "aborted" not in err and "Traceback" not in err and out == ""


@pytest.fixture
def prompting_command() -> Iterator[click.Command]:
    @click.command("ask-first")
    def ask_first() -> int:
        click.confirm("Go on?", abort=True)
        return 0

    cli.add_command(ask_first)
    yield ask_first
    cli.commands.pop("ask-first")


@pytest.mark.parametrize("answer", ["n\n", ""], ids=["declined", "end-of-input"])
def test_a_real_abort_stays_exit_2(
    prompting_command: click.Command, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], answer: str
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(answer))
    assert main(["ask-first"]) == 2
    assert "itsmctl: aborted" in capsys.readouterr().err


def test_ctrl_c_at_a_prompt_is_an_interrupt(
    prompting_command: click.Command, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(_prompt: str = "") -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("click.termui.visible_prompt_func", interrupted)
    assert main(["ask-first"]) == 130
    assert "itsmctl: interrupted" in capsys.readouterr().err

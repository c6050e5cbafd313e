"""``-o FILE`` of every command that has it: what is replaced, what is written into, what is refused; ``-o -`` is stdout.

A regular file (or a symlink to one) is replaced atomically and keeps its mode;
the link stays a link. A FIFO or a device is written into, never replaced by a
regular file (as root, the old writer replaced devices). A folder is refused.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import click
import pytest

from itsmctl.cli import main
from tests.conftest import GOLD_SLA, change, ci, service, team
from tests.gitrepo import GitRepo

WINDOW = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid repository with history: every command with -o runs on it and exits 0."""
    git_repo = GitRepo(tmp_path_factory.mktemp("output") / "repo")
    git_repo.commit(
        "catalog",
        {
            "catalog/teams.yaml": team("ops"),
            "catalog/slas.yaml": GOLD_SLA,
            "catalog/cmdb.yaml": ci("db") + "---\n" + service("shop", tier=2, depends="[ci:db]"),
        },
    )
    git_repo.branch("pr")
    git_repo.commit("a change", {"changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW)})
    return git_repo.root


# Every command that takes -o / --output, with arguments that make it exit 0.
COMMANDS: dict[str, tuple[str, ...]] = {
    "validate": ("validate", "--format", "json"),
    "plan": ("plan", "--base", "main", "--head", "pr", "--format", "json"),
    "graph": ("graph",),
    "schedule": ("schedule", "--from", "all", "--format", "json"),
    "sla": ("sla", "report", "--period", "2026-11", "--format", "json"),
    "audit": ("audit", "--format", "json"),
}


def test_every_command_with_an_output_option_is_tested() -> None:
    from itsmctl.cli import cli

    found = set()
    context = click.Context(cli)
    for name in cli.list_commands(context):
        command = cli.get_command(context, name)
        leaves = command.commands.values() if isinstance(command, click.Group) else [command]
        for leaf in leaves:
            if any("--output" in p.opts for p in leaf.params if isinstance(p, click.Option)):
                found.add(name)
    assert found == set(COMMANDS)


def _run(repo: Path, command: str, target: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["-C", str(repo), *COMMANDS[command], "-o", str(target)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


_EXPECTED: dict[str, str] = {}


def _expected(repo: Path, command: str, capsys: pytest.CaptureFixture[str]) -> str:
    """What the command prints on stdout (the same repository for the whole module: computed once)."""
    if command not in _EXPECTED:
        capsys.readouterr()
        assert main(["-C", str(repo), *COMMANDS[command]]) == 0
        _EXPECTED[command] = capsys.readouterr().out
    return _EXPECTED[command]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_regular_file_is_replaced_and_keeps_its_mode(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    target = tmp_path / "report.out"
    target.write_text("old")
    target.chmod(0o640)
    code, out, err = _run(repo, command, target, capsys)
    assert (code, out) == (0, ""), err
    assert target.read_text(encoding="utf-8") == _expected(repo, command, capsys)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["report.out"]  # no temporary file left


@pytest.mark.parametrize("command", COMMANDS)
def test_a_symlink_is_followed_and_stays_a_link(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "report.json"
    real.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(Path("real") / "report.json")  # relative, as people make them
    code, _, err = _run(repo, command, link, capsys)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(Path("real") / "report.json")
    assert real.read_text(encoding="utf-8") == _expected(repo, command, capsys)
    # The temporary file was made next to the real file, and is gone.
    assert [p.name for p in (tmp_path / "real").iterdir()] == ["report.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.json", "real"]


def test_a_dangling_symlink_gets_its_target_created(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "latest.json"
    link.symlink_to(tmp_path / "new.json")
    code, _, err = _run(repo, "graph", link, capsys)
    assert code == 0, err
    assert link.is_symlink() and (tmp_path / "new.json").read_text() == _expected(repo, "graph", capsys)


def _read_fifo(path: Path, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(path, "rb") as stream:
            into.append(stream.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader


def _unblock(reader: threading.Thread, fifo: Path) -> None:
    """If the command never opened the FIFO, the reader waits for a writer: be one, without waiting for a reader."""
    if reader.is_alive():
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass  # ENXIO: the reader has already closed its end and is finishing
    reader.join(10)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_fifo_is_written_into_not_replaced(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = _read_fifo(fifo, received)
    try:
        code, _, err = _run(repo, command, fifo, capsys)
    finally:
        _unblock(reader, fifo)
    assert code == 0, err
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received and received[0].decode("utf-8") == _expected(repo, command, capsys)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def _device(tmp_path: Path, name: str, minor: int) -> Path:
    """A character device of our own (mem 1:3 is null, 1:7 is full), so a bug cannot replace the real one.

    Without the right to make devices (not root), the system's own is used: a
    non-root process cannot replace it anyway.
    """
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except PermissionError:
        return Path("/dev") / name
    return path


def test_a_null_device_is_written_into_and_stays_a_device(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    device = _device(tmp_path, "null", 3)
    for command in COMMANDS:
        code, out, err = _run(repo, command, device, capsys)
        assert (code, out, err) == (0, "", ""), command
        assert stat.S_ISCHR(device.lstat().st_mode), command
    assert not [p for p in tmp_path.iterdir() if p.name != "null"]


def test_a_full_device_is_an_error_and_stays_a_device(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    device = _device(tmp_path, "full", 7)
    code, _, err = _run(repo, "graph", device, capsys)
    assert code == 2 and "cannot write" in err and "No space left" in err and "Traceback" not in err
    assert stat.S_ISCHR(device.lstat().st_mode)


@pytest.mark.parametrize("make", [lambda p: p.mkdir(), lambda p: p.symlink_to(p.parent)], ids=["folder", "link"])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_folder_is_refused(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, make: Callable[[Path], None]
) -> None:
    target = tmp_path / "reports"
    make(target)
    code, out, err = _run(repo, command, target, capsys)
    assert code == 2 and out == "" and ("folder" in err or "directory" in err)
    assert "Traceback" not in err


@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_folder_is_an_error(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    code, _, err = _run(repo, command, tmp_path / "missing" / "report.json", capsys)
    assert code == 2 and "does not exist" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_planted_temporary_name_is_not_written_through(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The old writer wrote '.NAME.tmp' next to the target, following a symlink planted there.
    precious = tmp_path / "precious"
    precious.write_text("keep me")
    (tmp_path / ".report.json.tmp").symlink_to(precious)
    code, _, err = _run(repo, "graph", tmp_path / "report.json", capsys)
    assert code == 0, err
    assert precious.read_text() == "keep me"
    assert (tmp_path / "report.json").read_text() == _expected(repo, "graph", capsys)


def test_an_unwritable_folder_is_an_error_and_the_old_report_stays(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into any folder")
    target = tmp_path / "report.json"
    target.write_text("old")
    tmp_path.chmod(0o500)
    try:
        code, _, err = _run(repo, "graph", target, capsys)
    finally:
        tmp_path.chmod(0o700)
    assert code == 2 and "cannot write" in err
    assert target.read_text() == "old"


# --- the other files the tool writes ---------------------------------------------------------------


def test_backstage_export_follows_a_symlink_and_writes_into_a_fifo(repo: Path, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "backstage"
    out.mkdir()
    real = tmp_path / "kept.yaml"
    real.write_text("old")
    (out / "catalog-info.yaml").symlink_to(real)
    assert run_cli("-C", str(repo), "export", "backstage", "--out", str(out)).exit_code == 0
    assert (out / "catalog-info.yaml").is_symlink() and "kind: Component" in real.read_text()
    (out / "catalog-info.yaml").unlink()
    os.mkfifo(out / "catalog-info.yaml")
    received: list[bytes] = []
    reader = _read_fifo(out / "catalog-info.yaml", received)
    try:
        result = run_cli("-C", str(repo), "export", "backstage", "--out", str(out))
    finally:
        _unblock(reader, out / "catalog-info.yaml")
    assert result.exit_code == 0 and b"kind: Component" in received[0]
    assert stat.S_ISFIFO((out / "catalog-info.yaml").lstat().st_mode)
    assert sorted(p.name for p in out.iterdir()) == ["catalog-info.yaml"]


def test_schema_export_keeps_the_mode_of_files_it_replaces(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "schemas" / "team.schema.json"
    target.parent.mkdir()
    target.write_text("{}")
    target.chmod(0o600)
    assert run_cli("schema", "export", str(target.parent)).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and '"$schema"' in target.read_text()


@pytest.mark.parametrize("command", COMMANDS)
def test_a_dash_means_standard_output(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """``-o -`` is standard output, as in every CLI; it wrote a file named '-' (issue 11 leftovers, item 1)."""
    monkeypatch.chdir(tmp_path)
    for option in ("-o", "--output"):
        capsys.readouterr()
        code = main(["-C", str(repo), *COMMANDS[command], option, "-"])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        assert captured.out == _expected(repo, command, capsys)
        assert list(tmp_path.iterdir()) == [] and not (repo / "-").exists()


def test_a_file_named_dash_is_still_reachable_as_a_path(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["-C", str(repo), *COMMANDS["graph"], "-o", "./-"]) == 0
    assert capsys.readouterr().out == ""
    assert (tmp_path / "-").read_text(encoding="utf-8") == _expected(repo, "graph", capsys)

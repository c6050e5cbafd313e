"""The bad-input corpus: every case through validate, plan, risk, schedule, gate, graph and catalog build.

Each ``*.yaml`` file here starts with ``# expect: RULE [line N]`` and is placed
as ``catalog/case.yaml`` next to a small valid base. Generated cases (binary,
encodings, a 50 MB file, symlinks, an empty repository) are built in the test.
Every case must give a clear finding (or usage error) with its path and line,
exit 1 or 2, print no traceback, change no file, and finish within 10 seconds.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo

HERE = Path(__file__).resolve().parent
CASES = sorted(HERE.glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (?P<rule>[\w/-]+)(?: line (?P<line>\d+))?$")
BASE = """apiVersion: itsm/v1
kind: Team
metadata: {name: ops}
spec: {members: [alice]}
---
apiVersion: itsm/v1
kind: ConfigurationItem
metadata: {name: base-db}
spec: {type: database, owner: team:ops, environment: production}
---
apiVersion: itsm/v1
kind: Service
metadata: {name: base-shop}
spec: {owner: team:ops, tier: 3, lifecycle: production, dependsOn: [ci:base-db]}
"""
SECONDS = 10.0


def _snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file() and not p.is_symlink() and ".git" not in p.parts
    }


def _timed(run_cli: Callable[..., object], *argv: str):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = run_cli(*argv)
    assert time.perf_counter() - start < SECONDS, f"{argv} took too long"
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr  # type: ignore[attr-defined]
    return result


def _repo(tmp_path: Path, case: bytes | None) -> Path:
    root = tmp_path / "repo"
    (root / "catalog").mkdir(parents=True)
    (root / "catalog" / "base.yaml").write_text(BASE)
    if case is not None:
        (root / "catalog" / "case.yaml").write_bytes(case)
    return root


def _check_everything(run_cli, root: Path, rule: str, line: int | None, path: str = "catalog/case.yaml") -> None:  # type: ignore[no-untyped-def]
    import json

    before = _snapshot(root)
    result = _timed(run_cli, "validate", str(root), "--format", "json")
    assert result.exit_code in (1, 2), result.stdout
    if result.exit_code == 1:
        found = [(f["rule"], f["path"], f["line"]) for f in json.loads(result.stdout)["findings"]]
        assert any(r == rule and p == path and (line is None or ln == line) for r, p, ln in found), found
    else:
        assert rule in result.stderr or rule == "usage", result.stderr
    for argv in (
        ["risk", "--all"],
        ["schedule", "--from", "all"],
        ["gate", "--service", "base-shop"],
        ["graph"],
        ["impact", "ci:base-db"],
    ):
        outcome = _timed(run_cli, "-C", str(root), *argv)
        assert outcome.exit_code in (0, 1, 2)
    site = root.parent / "site"
    built = _timed(run_cli, "-C", str(root), "catalog", "build", "--out", str(site), "--quiet")
    # Records that cannot be read are left out of the site and listed on it, with exit 1 (issue 11,
    # item 16); what is published must still be a whole site.
    assert built.exit_code in (0, 1, 2), built.stderr
    if built.exit_code in (0, 1):
        assert (site / "index.html").is_file() and (site / "catalog.json").is_file()
    if built.exit_code == 1:
        assert "left out" in built.stderr and "Left out" in (site / "index.html").read_text(encoding="utf-8")
    assert _snapshot(root) == before, "a command changed a file"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_corpus_case(case: Path, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    data = case.read_bytes()
    expected = EXPECT.match(data.split(b"\n", 1)[0].decode())
    assert expected, f"{case.name} must start with '# expect: RULE [line N]'"
    rule, line = expected["rule"], int(expected["line"]) if expected["line"] else None
    root = _repo(tmp_path, data)
    _check_everything(run_cli, root, rule, line)


@pytest.mark.parametrize("case", CASES[::6], ids=lambda p: p.stem)
def test_corpus_case_in_a_pull_request(case: Path, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    data = case.read_bytes()
    rule = EXPECT.match(data.split(b"\n", 1)[0].decode())["rule"]  # type: ignore[index]
    repo = GitRepo(tmp_path / "repo")
    repo.commit("base", {"catalog/base.yaml": BASE})
    repo.branch("pr")
    (repo.root / "catalog" / "case.yaml").write_bytes(data)
    repo.repo.index.add(["catalog/case.yaml"])
    repo.commit("add the case")
    result = _timed(run_cli, "-C", str(repo.root), "plan", "--base", "main", "--head", "pr", "--format", "json")
    assert result.exit_code == 1
    assert rule in result.stdout


GENERATED: dict[str, tuple[bytes, str, int | None]] = {
    "utf16-le-bom": (b"\xff\xfe" + "a: 1\n".encode("utf-16-le"), "encoding", 1),
    "utf16-be-bom": (b"\xfe\xff" + "a: 1\n".encode("utf-16-be"), "encoding", 1),
    "utf32-bom": (b"\xff\xfe\x00\x00" + "a: 1\n".encode("utf-32-le"), "encoding", 1),
    "latin1": (
        "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: t, title: Équipe}\n".encode("latin-1"),
        "encoding",
        3,
    ),
    "binary": (bytes(range(256)) * 4, "encoding", 1),
    "nul-in-text": (b"apiVersion: itsm/v1\nkind: Team\x00\n", "encoding", 2),
}


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_encoding_case(name: str, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    data, rule, line = GENERATED[name]
    _check_everything(run_cli, _repo(tmp_path, data), rule, line)


def test_utf8_bom_is_accepted(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = _repo(
        tmp_path, b"\xef\xbb\xbf" + b"apiVersion: itsm/v1\nkind: Team\nmetadata: {name: dev}\nspec: {members: [bob]}\n"
    )
    assert _timed(run_cli, "validate", str(root)).exit_code == 0


def test_fifty_megabyte_file_is_not_read(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = _repo(tmp_path, None)
    with open(root / "catalog" / "case.yaml", "wb") as handle:
        handle.write(b"a: " + b"x" * (50 * 1024 * 1024) + b"\n")
    _check_everything(run_cli, root, "file-too-large", None)


def test_symlink_outside_is_never_followed(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path / "secret.yaml"
    outside.write_text("apiVersion: itsm/v1\nkind: Secret\n")
    root = _repo(tmp_path, None)
    os.symlink(outside, root / "catalog" / "case.yaml")
    _check_everything(run_cli, root, "unsafe-path", None)


@pytest.mark.timeout(120)
def test_fifo_named_like_a_record_is_never_opened(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    # Every command reads the tree: any that opened the FIFO would block until the timeout.
    root = _repo(tmp_path, None)
    os.mkfifo(root / "catalog" / "case.yaml")
    _check_everything(run_cli, root, "not-a-regular-file", None)


def test_empty_repository_is_a_usage_error(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = _timed(run_cli, "validate", str(tmp_path))
    assert result.exit_code == 2 and "no record files" in result.stderr


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) + len(GENERATED) + 4 >= 60

"""Attacks on the result cache (issue 11, item 4): whoever can write the cache folder can neither run
code in the next `validate` nor turn its exit 1 into 0.

Every test runs the real CLI twice on a real repository with one invalid record: the first run fills
the cache, then the entries are replaced, and the second run must still find the invalid record.
``test_an_entry_authenticated_with_the_users_key_is_used`` is the control: it shows that the second
run does read the cache (a correctly authenticated entry changes its answer), so the other tests are
not passing merely because the cache was never read.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from itsmctl.load.cache_key import key_path
from tests.conftest import CliResult

TEAM = "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: ops}\nspec: {members: [alice]}\n"
BROKEN = (
    "apiVersion: itsm/v1\nkind: Service\nmetadata: {name: shop}\n"
    "spec: {owner: team:ops, tier: 9, lifecycle: production}\n"
)
FORMAT = b"itsmctl-file-cache-2"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ITSMCTL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("ITSMCTL_NO_CACHE", raising=False)
    return tmp_path / "cache"


@pytest.fixture
def filled(cache: Path, tmp_path: Path, run_cli: Callable[..., CliResult]) -> Path:
    """A repository with one schema error, validated once: the cache holds its entries."""
    root = tmp_path / "repo"
    (root / "catalog").mkdir(parents=True)
    (root / "catalog" / "teams.yaml").write_text(TEAM)
    (root / "catalog" / "shop.yaml").write_text(BROKEN)
    first = run_cli("validate", str(root), "--format", "json")
    assert first.exit_code == 1 and "spec.tier" in first.stdout
    assert _entries(cache)
    return root


def _entries(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.is_file() and not p.name.startswith(".")]


def _without_findings(payload: bytes) -> bytes:
    """The same results, their findings gone: what an attacker wants the next run to read."""
    templates, files = json.loads(payload)
    for entry in files:
        entry[2] = []
    return json.dumps([templates, files], separators=(",", ":")).encode()


def _mac(key: bytes, name: str, payload: bytes) -> bytes:
    return hmac.digest(key, FORMAT + b"\0" + name.encode() + b"\0" + payload, hashlib.sha256)


def _second_run_still_fails(root: Path, run_cli: Callable[..., CliResult]) -> None:
    again = run_cli("validate", str(root), "--format", "json")
    assert again.exit_code == 1, again.stdout
    assert json.loads(again.stdout)["summary"]["error"] == 1 and "spec.tier" in again.stdout


def test_a_planted_pickle_does_not_run_and_is_a_miss(
    filled: Path, cache: Path, tmp_path: Path, run_cli: Callable[..., CliResult]
) -> None:
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.system, (f"touch {marker}",))

    planted = pickle.dumps(Payload())
    entries = _entries(cache)
    # As the whole entry, and behind a MAC-sized prefix in case only the rest were parsed.
    for content in (planted, b"\0" * 32 + planted):
        for entry in entries:
            entry.write_bytes(content)
        _second_run_still_fails(filled, run_cli)
        assert not marker.exists()


def test_an_entry_rewritten_without_its_findings_is_a_miss(
    filled: Path, cache: Path, run_cli: Callable[..., CliResult]
) -> None:
    for entry in _entries(cache):
        data = entry.read_bytes()
        # Valid JSON of the right shape, the original MAC kept.
        entry.write_bytes(data[:32] + _without_findings(data[32:]))
    _second_run_still_fails(filled, run_cli)


def test_an_entry_authenticated_by_another_users_key_is_a_miss(
    filled: Path, cache: Path, tmp_path: Path, run_cli: Callable[..., CliResult]
) -> None:
    # The attacker has a key of their own (their own cache), not the victim's.
    theirs = os.urandom(32)
    for entry in _entries(cache):
        payload = _without_findings(entry.read_bytes()[32:])
        entry.write_bytes(_mac(theirs, entry.name, payload) + payload)
    _second_run_still_fails(filled, run_cli)


def test_an_entry_copied_from_another_users_cache_is_a_miss(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Callable[..., CliResult]
) -> None:
    """Another user validated the same repository, fixed: their entries say "no findings"."""
    root = tmp_path / "repo"
    (root / "catalog").mkdir(parents=True)
    (root / "catalog" / "teams.yaml").write_text(TEAM)
    (root / "catalog" / "shop.yaml").write_text(BROKEN.replace("tier: 9", "tier: 3"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "their-config"))
    assert run_cli("validate", str(root)).exit_code == 0
    their_entries = {entry.name: entry.read_bytes() for entry in _entries(cache)}
    # Their clean results, re-keyed for the broken file: the entry names are plain hashes anyone can compute.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "my-config"))
    (root / "catalog" / "shop.yaml").write_text(BROKEN)
    assert run_cli("validate", str(root)).exit_code == 1
    for entry in _entries(cache):
        if entry.name not in their_entries:
            data = next(iter(their_entries.values()))
            entry.write_bytes(data)
    _second_run_still_fails(root, run_cli)


def test_an_entry_authenticated_with_the_users_key_is_used(
    filled: Path, cache: Path, run_cli: Callable[..., CliResult]
) -> None:
    """The control: only the key stands between the cache and the result, so it must stay secret."""
    key = key_path().read_bytes()
    for entry in _entries(cache):
        payload = _without_findings(entry.read_bytes()[32:])
        entry.write_bytes(_mac(key, entry.name, payload) + payload)
    assert run_cli("validate", str(filled)).exit_code == 0
    assert stat.S_IMODE(key_path().stat().st_mode) == 0o600


def test_a_cache_folder_others_can_write_is_not_read(
    filled: Path, cache: Path, run_cli: Callable[..., CliResult]
) -> None:
    # Entries that would pass (authenticated with the user's key), in a folder anyone may write:
    # anyone could have put them there, so the folder is not used at all.
    key = key_path().read_bytes()
    for entry in _entries(cache):
        payload = _without_findings(entry.read_bytes()[32:])
        entry.write_bytes(_mac(key, entry.name, payload) + payload)
    os.chmod(cache, 0o777)
    again = run_cli("validate", str(filled), "--format", "json")
    assert again.exit_code == 1 and "spec.tier" in again.stdout
    assert "result cache not used" in again.stderr and "writable by group or others" in again.stderr
    assert json.loads(again.stdout)["summary"]["error"] == 1  # stdout stays pure JSON

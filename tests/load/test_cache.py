"""The result cache: authenticated JSON entries, a private folder, a per-user key, and exact round trips."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from itsmctl.findings import Finding, Location, Severity
from itsmctl.load import result_codec
from itsmctl.load.cache import FileCache
from itsmctl.load.cache_key import KEY_BYTES, CacheKeyProblem, key_path, load_or_create_key
from itsmctl.load.discover import discover, relative
from itsmctl.load.pipeline import _process, process_all, stable_chunks
from itsmctl.model.kinds import BUILDERS
from itsmctl.model.plain import view_codec
from itsmctl.model.record import Record

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
from synth import generate  # noqa: E402

NAME = "ab" + "0" * 62


@pytest.fixture
def private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder and a key of this test's own."""
    monkeypatch.setenv("ITSMCTL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("ITSMCTL_NO_CACHE", raising=False)
    return tmp_path / "cache"


def _sources(root: Path) -> list[tuple[str, bytes]]:
    found = discover(root)
    return [(relative(path, root.resolve()), path.read_bytes()) for path in found.files]


# --- exact round trips -------------------------------------------------------------------


def _same_view(left: Any, right: Any, record: Record) -> None:
    assert type(left) is type(right)
    for field in dataclasses.fields(left):
        a, b = getattr(left, field.name), getattr(right, field.name)
        if isinstance(a, Record):
            assert b is record
        elif dataclasses.is_dataclass(a):
            _same_view(a, b, record)
        elif isinstance(a, tuple) and a and dataclasses.is_dataclass(a[0]):
            assert len(a) == len(b)
            for x, y in zip(a, b, strict=True):
                _same_view(x, y, record)
        else:
            assert a == b and type(a) is type(b), field.name


def _assert_round_trip(sources: list[tuple[str, bytes]]) -> int:
    checked = 0
    for chunk in stable_chunks(sources):
        outcomes = [_process(path, data, 1 << 22, None) for path, data in chunk]
        payload = result_codec.encode(chunk, outcomes)
        assert payload is not None, [path for path, _ in chunk]
        decoded = result_codec.decode(payload, chunk)
        assert decoded is not None
        for (records, findings), (again, again_findings) in zip(outcomes, decoded, strict=True):
            assert [(f, f.details) for f in findings] == [(f, f.details) for f in again_findings]
            assert len(records) == len(again)
            for record, copy in zip(records, again, strict=True):
                fields = ("kind", "name", "doc_index", "line", "schema_valid", "title", "labels", "references")
                assert [getattr(record, f) for f in fields] == [getattr(copy, f) for f in fields]
                assert copy.path == record.path and copy.body == record.body  # parsed again, or stored (Markdown)
                assert (copy.typed is None) == (record.typed is None)
                if record.typed is not None:
                    _same_view(record.typed, copy.typed, copy)
                checked += 1
    return checked


def test_every_record_of_the_example_repository_comes_back_exactly() -> None:
    sources = _sources(REPO_ROOT)
    assert any(path.endswith(".md") for path, _ in sources)
    kinds = {r.kind for path, data in sources for r in _process(path, data, 1 << 22, None)[0]}
    assert kinds == set(BUILDERS)  # every kind's view goes through the codec
    assert _assert_round_trip(sources) > 50


def test_records_of_a_generated_repository_and_invalid_ones_come_back_exactly(tmp_path: Path) -> None:
    generate(tmp_path, cis=80, services=12, changes=30, files=12)
    (tmp_path / "catalog" / "bad.yaml").write_text(
        "apiVersion: itsm/v1\nkind: Service\nmetadata: {name: bad, labels: {a: b}}\nspec: {owner: team:x, tier: 9}\n"
        "---\nkind: Nope\n---\n- a list\n"
        "---\napiVersion: itsm/v1\nkind: SLA\nmetadata: {name: s}\nspec: {availability: 99.9, supportHours:"
        " {days: [mon], start: '09:00', end: '17:00', timezone: Mars/Base}}\n"
    )
    assert _assert_round_trip(_sources(tmp_path)) > 100


def test_every_kind_has_a_codec_for_its_view() -> None:
    for kind in BUILDERS:
        assert view_codec(kind).names


def test_values_json_would_change_are_not_cached() -> None:
    chunk = [("catalog/x.yaml", b"")]
    finding = Finding("r", Severity.ERROR, "m", Location("catalog/x.yaml", 1), details={"cycle": ("a", "b")})
    assert result_codec.encode(chunk, [([], [finding])]) is None  # a tuple would come back as a list
    fine = Finding("r", Severity.ERROR, "m", Location("catalog/x.yaml", 1), details={"cycle": ["a", "b"]})
    assert result_codec.encode(chunk, [([], [fine])]) is not None


def _payload(tmp_path: Path) -> tuple[list[tuple[str, bytes]], list[Any]]:
    root = tmp_path / "repo"
    generate(root, cis=10, services=3, changes=4, files=2)
    (root / "catalog" / "bad.yaml").write_text("apiVersion: itsm/v1\nkind: Team\nmetadata: {name: t}\nspec: {}\n")
    chunk = sorted(_sources(root))
    outcomes = [_process(path, data, 1 << 22, None) for path, data in chunk]
    payload = result_codec.encode(chunk, outcomes)
    assert payload is not None and result_codec.decode(payload, chunk) is not None
    return chunk, json.loads(payload)


def _mutations(plain: list[Any]) -> list[Any]:
    """Plain data that is not what encode makes, in many places."""
    templates, files = plain
    assert templates
    file_with_records = next(i for i, entry in enumerate(files) if entry[1] and entry[1][0][8] is not None)
    file_with_findings = next(i for i, entry in enumerate(files) if entry[2])
    file_with_references = next(i for i, entry in enumerate(files) if entry[1] and entry[1][0][7])
    out = []

    def mutate(change: Any) -> None:
        copy = json.loads(json.dumps(plain))
        change(copy)
        out.append(copy)

    record = (1, file_with_records, 1, 0)
    referring = (1, file_with_references, 1, 0)
    finding = (1, file_with_findings, 2, 0)

    def at(path: tuple[int, ...], index: int, value: Any) -> Any:
        def change(copy: Any) -> None:
            target = copy
            for step in path:
                target = target[step]
            target[index] = value

        return change

    mutate(lambda c: c[1].pop())  # a file missing
    mutate(lambda c: c[1].append(c[1][0]))  # a file too many
    mutate(lambda c: c.pop(0))  # no reference table
    mutate(at((1, file_with_records), 0, "catalog/elsewhere.yaml"))  # another file's results
    mutate(at((1, file_with_records), 1, {"records": []}))
    mutate(at(record, 0, 7))  # kind
    mutate(at(record, 4, "yes"))  # schema_valid
    mutate(at(referring, 7, [0]))  # a reference without its target
    mutate(at(referring, 7, [0, 5]))  # a reference to a number
    mutate(at(referring, 7, [len(templates), "team:a"]))  # a table entry that does not exist
    mutate(at(referring, 7, [-1, "team:a"]))  # ... or counted from the end
    mutate(at(referring, 7, ["0", "team:a"]))
    mutate(at((0,), 0, [["spec", 1.5], ["team"], "owner"]))  # a float in a path
    mutate(at((0,), 0, [["spec"], [None], "owner"]))  # a kind that is not text
    mutate(at((0,), 0, [["spec"], ["team"]]))  # two parts
    mutate(at(record, 8, ["too", "short"]))  # the typed view
    mutate(at(record, 0, "NoSuchKind"))  # a typed view for a kind that has none
    mutate(at(finding, 1, 9))  # severity
    mutate(at(finding, 1, True))  # a bool is not a severity
    mutate(at(finding, 4, "12"))  # line
    mutate(at(finding, 7, []))  # details
    mutate(lambda c: c[1][file_with_findings][2][0].pop())  # a field missing
    return out


def test_anything_but_what_encode_makes_is_a_miss(tmp_path: Path) -> None:
    chunk, plain = _payload(tmp_path)
    for mutated in _mutations(plain):
        assert result_codec.decode(json.dumps(mutated).encode(), chunk) is None, mutated
    for junk in (b"", b"null", b"{}", b"[", b"\xff\xfe", b"\x80\x05K\x01."):  # the last one is a pickle
        assert result_codec.decode(junk, chunk) is None


# --- authentication and the folder -------------------------------------------------------


def test_an_entry_reads_back_only_intact_and_under_its_own_name(private: Path) -> None:
    cache = FileCache.open(private)
    cache.put(NAME, b"[1]")
    assert cache.get(NAME) == b"[1]"
    entry = private / NAME[:2] / NAME
    data = entry.read_bytes()
    entry.write_bytes(data[:32] + b"[2]")  # payload changed, MAC kept
    assert cache.get(NAME) is None
    entry.write_bytes(bytes([data[0] ^ 1]) + data[1:])  # MAC changed
    assert cache.get(NAME) is None
    other = "cd" + "0" * 62
    (private / other[:2]).mkdir()
    (private / other[:2] / other).write_bytes(data)  # a valid entry copied under another name
    assert cache.get(other) is None
    entry.write_bytes(data[:10])
    assert cache.get(NAME) is None


def test_an_entry_made_with_another_key_is_a_miss(
    private: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = FileCache.open(private)
    theirs = FileCache(private, load_or_create_key(tmp_path / "other" / "cache.key"))
    assert theirs.key != mine.key
    theirs.put(NAME, b"[]")
    assert theirs.get(NAME) == b"[]"
    assert mine.get(NAME) is None


def test_a_fifo_or_a_symlink_in_the_cache_is_never_opened_as_an_entry(private: Path, tmp_path: Path) -> None:
    cache = FileCache.open(private)
    (private / NAME[:2]).mkdir()
    os.mkfifo(private / NAME[:2] / NAME)
    assert cache.get(NAME) is None  # would block forever if it were opened for reading
    (private / NAME[:2] / NAME).unlink()
    real = tmp_path / "elsewhere"
    cache.put(NAME, b"[1]")
    (private / NAME[:2] / NAME).rename(real)
    (private / NAME[:2] / NAME).symlink_to(real)
    assert cache.get(NAME) is None


def test_a_planted_symlink_folder_does_not_redirect_writes(private: Path, tmp_path: Path) -> None:
    cache = FileCache.open(private)
    outside = tmp_path / "outside"
    outside.mkdir()
    (private / NAME[:2]).symlink_to(outside)
    cache.put(NAME, b"[1]")
    assert list(outside.iterdir()) == []


def test_a_new_cache_folder_and_key_are_private(private: Path) -> None:
    cache = FileCache.open(private)
    assert cache.directory == private
    cache.put(NAME, b"[]")
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert stat.S_IMODE((private / NAME[:2]).stat().st_mode) == 0o700
    assert stat.S_IMODE((private / NAME[:2] / NAME).stat().st_mode) == 0o600
    key = key_path()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and key.stat().st_size == KEY_BYTES
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert key.read_bytes() == cache.key == FileCache.open(private).key  # made once, then reused
    assert not [p for p in key.parent.iterdir() if p.name != "cache.key"]  # no temporary file left


def test_an_older_readable_cache_folder_is_made_private(private: Path) -> None:
    private.mkdir(mode=0o755)
    os.chmod(private, 0o755)
    assert FileCache.open(private).directory == private
    assert stat.S_IMODE(private.stat().st_mode) == 0o700


@pytest.mark.parametrize("mode", [0o770, 0o707, 0o777])
def test_a_cache_folder_others_can_write_is_not_used(
    private: Path, mode: int, capsys: pytest.CaptureFixture[str]
) -> None:
    private.mkdir()
    os.chmod(private, mode)
    cache = FileCache.open(private)
    assert cache.directory is None
    cache.put(NAME, b"[]")
    assert cache.get(NAME) is None and list(private.iterdir()) == []
    assert "result cache not used" in capsys.readouterr().err


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_a_key_others_can_read_or_write_is_refused(
    private: Path, mode: int, capsys: pytest.CaptureFixture[str]
) -> None:
    key = key_path()
    key.parent.mkdir(parents=True)
    key.write_bytes(b"k" * KEY_BYTES)
    os.chmod(key, mode)
    with pytest.raises(CacheKeyProblem, match="group or others"):
        load_or_create_key()
    assert FileCache.open(private).directory is None
    assert "result cache not used" in capsys.readouterr().err
    assert key.read_bytes() == b"k" * KEY_BYTES  # left as it was


def test_a_damaged_or_odd_key_is_refused(private: Path) -> None:
    key = key_path()
    key.parent.mkdir(parents=True)
    key.write_bytes(b"short")
    os.chmod(key, 0o600)
    with pytest.raises(CacheKeyProblem, match="damaged"):
        load_or_create_key()
    key.unlink()
    os.mkfifo(key, 0o600)
    with pytest.raises(CacheKeyProblem, match="not a regular file"):
        load_or_create_key()
    key.unlink()
    target = key.parent / "real"
    target.write_bytes(b"k" * KEY_BYTES)
    os.chmod(target, 0o600)
    key.symlink_to(target)
    with pytest.raises(CacheKeyProblem):
        load_or_create_key()  # a symlink is not followed


@pytest.mark.skipif(os.geteuid() != 0, reason="making a file owned by someone else needs root")
def test_a_folder_or_key_owned_by_someone_else_is_refused(private: Path) -> None:
    private.mkdir(mode=0o700)
    os.chown(private, 4321, -1)
    assert FileCache.open(private).directory is None
    os.chown(private, 0, -1)
    assert FileCache.open(private).directory == private
    os.chown(key_path(), 4321, -1)
    with pytest.raises(CacheKeyProblem, match="owned by uid 4321"):
        load_or_create_key()


def test_warm_and_cold_runs_agree_and_the_warm_one_reads_the_cache(
    private: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    generate(root, cis=300, services=40, changes=80, files=40)
    (root / "catalog" / "bad.yaml").write_text("apiVersion: itsm/v1\nkind: Service\nmetadata: {name: b}\nspec: {}\n")
    sources = _sources(root)
    cold = process_all(sources, 1 << 22, jobs=2, use_cache=False)
    process_all(sources, 1 << 22, jobs=2)  # fills the cache from the worker processes
    decoded: list[int] = []
    original = result_codec.decode

    def counting(payload: bytes, chunk: list[tuple[str, bytes]]) -> Any:
        result = original(payload, chunk)
        decoded.append(result is not None)
        return result

    monkeypatch.setattr(result_codec, "decode", counting)
    warm = process_all(sources, 1 << 22, jobs=1)
    assert (
        decoded and all(decoded) and len(decoded) == len(stable_chunks([s for s in sources if b"Policy" not in s[1]]))
    )

    def key(findings: list[Finding]) -> list[tuple[Any, ...]]:
        return sorted((f.rule, f.severity, f.location, f.message, f.hint) for f in findings)

    assert key(warm.findings) == key(cold.findings) and any(f.rule == "schema" for f in warm.findings)
    assert [(r.kind, r.name, r.line, r.schema_valid, r.title) for r in warm.records] == [
        (r.kind, r.name, r.line, r.schema_valid, r.title) for r in cold.records
    ]
    assert [r.body for r in warm.records] == [r.body for r in cold.records]

"""The per-file pipeline gives the same answer sequentially and in parallel."""

from __future__ import annotations

import sys
from pathlib import Path

from itsmctl.load.pipeline import job_count, process_all
from itsmctl.load.records import load_sources

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from synth import generate  # noqa: E402


def _sources(root: Path) -> list[tuple[str, bytes]]:
    return [(p.relative_to(root).as_posix(), p.read_bytes()) for p in sorted(root.rglob("*.yaml"))]


def _key(findings):  # type: ignore[no-untyped-def]
    return sorted((f.rule, f.location.path, f.location.line, f.message) for f in findings)


def test_parallel_and_sequential_agree(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    generate(root, cis=400, services=60, changes=120, files=60)
    # Break a few records so there are findings to compare.
    broken = root / "catalog" / "broken.yaml"
    broken.write_text(
        "apiVersion: itsm/v1\nkind: Service\nmetadata: {name: bad}\nspec: {owner: team:team-000, tier: 9}\n"
    )
    sources = _sources(root)
    sequential = process_all(sources, 1 << 22, jobs=1)
    parallel = process_all(sources, 1 << 22, jobs=2)
    assert _key(sequential.findings) == _key(parallel.findings)
    assert [(r.kind, r.name) for r in sequential.records] == [(r.kind, r.name) for r in parallel.records]
    assert all(r.typed is not None for r in parallel.records if r.schema_valid)
    assert sequential.policy_rules == parallel.policy_rules and parallel.policy_rules
    assert any(f.rule == "schema" for f in parallel.findings)


def test_policies_apply_to_every_file_including_their_own() -> None:
    policy = (
        b"apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: p}\nspec:\n  rules:\n"
        b"    - {id: titled, match: {kinds: [Team, Policy]}, assert: 'has(metadata.title)', message: needs a title}\n"
    )
    team = b"apiVersion: itsm/v1\nkind: Team\nmetadata: {name: ops}\nspec: {members: [alice]}\n"
    result = load_sources([("policies/p.yaml", policy), ("catalog/t.yaml", team)])
    assert sorted(f.location.path for f in result.findings if f.rule == "p/titled") == [
        "catalog/t.yaml",
        "policies/p.yaml",
    ]


def test_a_policy_hidden_by_escapes_is_still_applied() -> None:
    # The file never spells "Policy", so it is not read first: the fallback must catch it.
    policy = (
        b'apiVersion: itsm/v1\nkind: "\\x50olicy"\nmetadata: {name: p}\nspec:\n  rules:\n'
        b"    - {id: titled, match: {kinds: [Team]}, assert: 'has(metadata.title)', message: needs a title}\n"
    )
    team = b"apiVersion: itsm/v1\nkind: Team\nmetadata: {name: ops}\nspec: {members: [alice]}\n"
    result = load_sources([("catalog/a.yaml", team), ("policies/p.yaml", policy)])
    assert [f.rule for f in result.findings] == ["p/titled"]


def test_job_count(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ITSMCTL_JOBS", raising=False)
    assert job_count(10, None) == 1
    assert job_count(10 << 20, None) >= 1
    assert job_count(10 << 20, 1) == 1
    monkeypatch.setenv("ITSMCTL_JOBS", "3")
    assert job_count(10, None) == 3


def test_parallel_workers_send_bodies_back_when_asked(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    generate(root, cis=200, services=30, changes=60, files=30)
    sources = _sources(root)
    kept = process_all(sources, 1 << 22, jobs=2, use_cache=False, keep_bodies=True)
    dropped = process_all(sources, 1 << 22, jobs=2, use_cache=False)
    assert len(kept.records) == len(dropped.records) > 200
    # Kept: present without parsing again; dropped: parsed again on demand, and equal.
    assert all(r._body is not None for r in kept.records)  # noqa: SLF001
    # (Policy files are read in the main process first, so they keep theirs either way.)
    assert all(r._body is None for r in dropped.records if r.kind != "Policy")  # noqa: SLF001
    assert [r.body for r in kept.records] == [r.body for r in dropped.records]

"""Benchmark: every pipeline command at 1,000, 10,000 and 100,000 CIs.

    python benchmarks/bench_scale.py [--sizes 1000 10000 100000] [--runs 1]

For each size, a generated repository (benchmarks/synth.py) with a tenth as many
services and as many changes, in files of about 14 records, and a git history
for `audit` (benchmarks/bench_audit.py) with 10x as many commits as changes,
capped at 50,000. Each command runs as a fresh subprocess, cold (no result
cache, page cache dropped when run as root, except before the warm re-run),
and reports wall time and peak RSS:

- `validate`, and a bare `yaml.load_all(CSafeLoader)` of the same files;
- `risk --all`, `schedule`, `catalog build` and `audit`;
- `validate` again with the result cache warm after one file was changed.

Targets (issue 8): x10 records -> at most x12 time for every command;
validate <= 1.5x the bare load; the warm re-run <= 20% of the cold validate.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_audit import build as build_history  # noqa: E402
from bench_validate import BARE, measure  # noqa: E402
from synth import generate  # noqa: E402

COMMANDS = ("bare load", "validate", "risk --all", "schedule", "catalog build", "audit", "validate (warm, 1 file)")
COMMIT_CAP = 50_000


@dataclass
class Row:
    cis: int
    records: int
    seconds: dict[str, float] = field(default_factory=dict)
    rss: dict[str, int] = field(default_factory=dict)


def settle(drop_page_cache: bool = True) -> None:
    """Same starting state for every run (see bench_catalog.settle)."""
    os.sync()
    if drop_page_cache:
        try:
            Path("/proc/sys/vm/drop_caches").write_text("3\n")
        except OSError:
            pass
    time.sleep(0.5)


def run(
    row: Row,
    label: str,
    argv: list[str],
    runs: int,
    env: dict[str, str] | None = None,
    before: Callable[[], None] | None = None,
    drop_page_cache: bool = True,
) -> None:
    times, peaks = [], []
    for _ in range(runs):
        if before is not None:
            before()
        settle(drop_page_cache)
        if env:
            os.environ.update(env)
        try:
            seconds, rss, _ = measure(argv)
        finally:
            for key in env or {}:
                os.environ.pop(key, None)
        times.append(seconds)
        peaks.append(rss)
    row.seconds[label] = statistics.median(times)
    row.rss[label] = max(peaks)
    print(f"  {label:<26} {row.seconds[label]:8.2f} s  {row.rss[label]:6,} MiB", flush=True)


def touch_one_file(repo: Path) -> None:
    """Change one record file the way an edit would: one value in one service."""
    path = sorted((repo / "catalog" / "services").rglob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("lifecycle: production", "lifecycle: deprecated", 1), encoding="utf-8")


def measure_size(cis: int, runs: int, work: Path) -> Row:
    services = changes = max(1, cis // 10)
    records = cis + services + changes
    repo = work / f"repo-{cis}"
    generate(repo, cis, services, changes, files=max(10, records // 14))
    row = Row(cis, records)
    print(f"{cis:,} CIs, {services:,} services, {changes:,} changes ({records:,} records)", flush=True)
    python = [sys.executable, "-m", "itsmctl", "-C", str(repo)]
    cold = {"ITSMCTL_NO_CACHE": "1"}
    run(row, "bare load", [sys.executable, "-c", BARE, str(repo)], runs)
    run(row, "validate", [*python, "validate", "--format", "json", "-o", os.devnull], runs, cold)
    run(row, "risk --all", [*python, "risk", "--all", "--format", "json", "--no-git-history"], runs, cold)
    run(row, "schedule", [*python, "schedule", "--format", "json"], runs, cold)
    site = work / f"site-{cis}"
    build = [*python, "catalog", "build", "--out", str(site), "--quiet"]
    run(row, "catalog build", build, runs, cold, before=lambda: shutil.rmtree(site, ignore_errors=True))
    shutil.rmtree(site, ignore_errors=True)
    history = work / f"history-{cis}"
    commits = min(10 * changes, COMMIT_CAP)
    build_history(history, commits, changes)
    run(row, "audit", [sys.executable, "-m", "itsmctl", "-C", str(history), "audit", "--format", "json"], runs)
    shutil.rmtree(history, ignore_errors=True)
    cache = work / f"cache-{cis}"
    warm = {"ITSMCTL_CACHE_DIR": str(cache)}
    os.environ.update(warm)
    try:
        measure([*python, "validate", "--format", "json", "-o", os.devnull])  # fill the cache
    finally:
        os.environ.pop("ITSMCTL_CACHE_DIR", None)
    touch_one_file(repo)
    # A re-run finds the files the previous run read still in the page cache: not dropped here.
    warm_argv = [*python, "validate", "--format", "json", "-o", os.devnull]
    run(row, "validate (warm, 1 file)", warm_argv, runs, warm, drop_page_cache=False)
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(repo, ignore_errors=True)
    return row


def report(rows: list[Row]) -> None:
    print()
    header = "| command | " + " | ".join(f"{row.cis:,} CIs" for row in rows) + " | growth per x10 |"
    print(header)
    print("|" + "---|" * (len(rows) + 2))
    for label in COMMANDS:
        cells = [f"{row.seconds[label]:.2f} s, {row.rss[label]:,} MiB" for row in rows]
        growth = [rows[i + 1].seconds[label] / rows[i].seconds[label] for i in range(len(rows) - 1)]
        print(f"| {label} | " + " | ".join(cells) + " | " + ", ".join(f"x{g:.1f}" for g in growth) + " |")
    for row in rows:
        bare, cold, warm = row.seconds["bare load"], row.seconds["validate"], row.seconds["validate (warm, 1 file)"]
        print(
            f"{row.cis:,} CIs: validate / bare load {cold / bare:.2f}x (target <= 1.5x); "
            f"warm re-run {100 * warm / cold:.0f}% of cold (target <= 20%)"
        )
    print("targets: x10 records -> at most x12 time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--work", type=Path, default=None, help="Scratch folder (default: a temporary one).")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="itsmctl-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        report([measure_size(cis, args.runs, work) for cis in sorted(args.sizes)])
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

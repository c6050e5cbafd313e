"""Benchmark: `itsmctl plan` of a 10-file pull request against `itsmctl validate` of its head.

    python benchmarks/bench_plan.py [--records 5000] [--runs 3]

Builds a git repository of about --records records (synthetic generator), makes a
branch that edits 10 change files, and times both commands end to end as
subprocesses (median of --runs). Target (issue 4): plan <= 2x validate.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import git

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synth import generate  # noqa: E402


def build(out: Path, records: int) -> None:
    cis, services = int(records * 0.7), int(records * 0.14)
    changes = records - cis - services
    generate(out, cis, services, changes, files=max(10, records // 13))
    repo = git.Repo.init(out, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "Bench")
        config.set_value("user", "email", "bench@example.com")
    repo.git.add("-A")
    repo.git.commit("-qm", "synthetic repository")
    repo.git.checkout("-qb", "pr")
    edited = 0
    for path in sorted((out / "changes").rglob("*.yaml")):
        text = path.read_text()
        # One step forward in the lifecycle for the first draft in each file.
        new = re.sub(r"status: draft\n", "status: requested\n", text, count=1)
        if new != text:
            path.write_text(new)
            edited += 1
        if edited == 10:
            break
    repo.git.commit("-qam", "move ten changes forward")


def seconds(argv: list[str]) -> float:
    start = time.perf_counter()
    # Both cold: no per-file result cache.
    done = subprocess.run(
        argv, capture_output=True, text=True, check=False, env={**os.environ, "ITSMCTL_NO_CACHE": "1"}
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{argv} failed:\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "plan-repo")
    args = parser.parse_args()
    build(args.out, args.records)
    itsmctl = [sys.executable, "-m", "itsmctl", "-C", str(args.out)]
    plans, validates = [], []
    for _ in range(args.runs):
        validates.append(seconds([*itsmctl, "validate", "--format", "json", "-o", "/dev/null"]))
        plans.append(
            seconds([*itsmctl, "plan", "--base", "main", "--head", "pr", "--format", "json", "-o", "/dev/null"])
        )
    plan_t, validate_t = statistics.median(plans), statistics.median(validates)
    files = sum(1 for _ in args.out.rglob("*.yaml"))
    print(f"repo: ~{args.records:,} records in {files:,} files; pull request edits 10 change files")
    print(f"itsmctl validate (head): {validate_t:.2f} s   runs {[round(t, 2) for t in validates]}")
    print(f"itsmctl plan:            {plan_t:.2f} s   runs {[round(t, 2) for t in plans]}")
    print(f"ratio {plan_t / validate_t:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()

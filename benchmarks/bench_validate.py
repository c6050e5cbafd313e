"""Benchmark: `itsmctl validate` against a bare `yaml.load_all(CSafeLoader)` of the same files.

    python benchmarks/bench_validate.py [--cis 20000 --services 2000 --changes 5000 --files 2000] [--runs 3]

Both sides run as fresh subprocesses, alternately, in the same run: wall time
(median of --runs) and peak RSS (ru_maxrss of the child). The bare side reads
every file and builds the Python objects, nothing more; the validate side is the
real CLI end to end (start-up, discovery, loading, schemas, rules, policies,
report). Targets (issue 2): time <= 1.5x, peak memory <= 3x.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synth import generate  # noqa: E402

BARE = """
import sys, yaml
from pathlib import Path
root = Path(sys.argv[1])
documents = []  # kept, as a loader keeps what it loads
for top in ("catalog", "changes", "policies"):
    for path in sorted((root / top).rglob("*")):
        if path.suffix in (".yaml", ".yml") and path.is_file():
            documents.extend(yaml.load_all(path.read_bytes().decode("utf-8"), Loader=yaml.CSafeLoader))
print(len(documents))
"""


def measure(argv: list[str]) -> tuple[float, int, str]:
    wrapper = [
        sys.executable,
        "-c",
        "import json, resource, subprocess, sys, time;"
        "t = time.perf_counter();"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "e = time.perf_counter() - t;"
        "print(json.dumps({'seconds': e, 'rss': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
        " 'code': p.returncode, 'out': p.stdout, 'err': p.stderr[-2000:]}))",
        *argv,
    ]
    done = subprocess.run(wrapper, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    if result["code"] not in (0, 1):
        raise SystemExit(f"{argv} failed ({result['code']}):\n{result['err']}")
    return result["seconds"], result["rss"] // 1024, result["out"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cis", type=int, default=20000)
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--changes", type=int, default=5000)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "validate-repo")
    args = parser.parse_args()

    generate(args.out, args.cis, args.services, args.changes, args.files)
    files = sum(1 for _ in args.out.rglob("*.yaml"))
    bare_argv = [sys.executable, "-c", BARE, str(args.out)]
    # Cold: the per-file result cache would make every run after the first a warm one.
    validate_argv = [sys.executable, "-m", "itsmctl", "validate", str(args.out), "--format", "json", "--no-cache"]

    bare_times, bare_rss, validate_times, validate_rss = [], [], [], []
    findings = None
    for _ in range(args.runs):
        seconds, rss, _out = measure(bare_argv)
        bare_times.append(seconds)
        bare_rss.append(rss)
        seconds, rss, out = measure(validate_argv)
        validate_times.append(seconds)
        validate_rss.append(rss)
        findings = json.loads(out)["summary"]

    bare_t, val_t = statistics.median(bare_times), statistics.median(validate_times)
    bare_m, val_m = max(bare_rss), max(validate_rss)
    print(f"repo: {args.cis:,} CIs, {args.services:,} services, {args.changes:,} changes in {files:,} files")
    print(f"validate summary: {findings}")
    print(
        f"bare yaml.load_all(CSafeLoader): {bare_t:.2f} s  peak RSS {bare_m} MiB   runs {[round(t, 2) for t in bare_times]}"
    )
    print(
        f"itsmctl validate:                {val_t:.2f} s  peak RSS {val_m} MiB   runs {[round(t, 2) for t in validate_times]}"
    )
    print(f"time ratio {val_t / bare_t:.2f}x (target <= 1.5x); memory ratio {val_m / bare_m:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()

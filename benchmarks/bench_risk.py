"""Benchmark: impact and risk on a large CMDB (issue 3 targets).

    python benchmarks/bench_risk.py [--cis 100000 --services 10000 --changes 9000]

With the synthetic generator's status mix, 9,000 changes leave 5,000 open.
Measured in one process, after one cold load of the repository:

* impact of ci-000000, a core network CI at the bottom of the graph (everything
  depends on it): graph + blast radius + JSON rendering, target <= 0.5 s;
* risk of one change: planning context + assessment + JSON rendering, <= 0.5 s;
* risk --all over every open change: total (load + work) < 2x the load time.

The end-to-end CLI times of the same commands are printed too.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synth import START, change_name, generate  # noqa: E402

from itsmctl.graph.cmdb import build_graph  # noqa: E402
from itsmctl.graph.impact import Touch, blast_radius  # noqa: E402
from itsmctl.load.gcpause import gc_paused  # noqa: E402
from itsmctl.load.repository import load_tree  # noqa: E402
from itsmctl.report.risk import render_impact_json, render_json  # noqa: E402
from itsmctl.risk.planning import Planning  # noqa: E402
from itsmctl.risk.score import assess  # noqa: E402

ONE = change_name(1, START)


def timed(label: str, function):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    with gc_paused():  # as the CLI runs every command
        value = function()
    elapsed = time.perf_counter() - start
    print(f"  {label:<44} {elapsed:7.2f} s")
    return value, elapsed


def cli_seconds(args: list[str]) -> float:
    start = time.perf_counter()
    env = {**os.environ, "ITSMCTL_NO_CACHE": "1"}  # cold, like the in-process load above
    subprocess.run([sys.executable, "-m", "itsmctl", *args], check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cis", type=int, default=100_000)
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=9_000)
    parser.add_argument("--files", type=int, default=8_000)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "risk-repo")
    parser.add_argument("--skip-cli", action="store_true")
    args = parser.parse_args()

    generate(args.out, args.cis, args.services, args.changes, args.files)
    print(f"repo: {args.cis:,} CIs, {args.services:,} services, {args.changes:,} changes")
    loaded, load_time = timed("load (cold)", lambda: load_tree(args.out, use_cache=False))
    catalog = loaded.catalog
    open_changes = [c for c in catalog.changes.values() if c.is_open]
    print(f"  open changes: {len(open_changes):,}")

    def impact() -> str:
        graph = build_graph(catalog)
        radius = blast_radius(graph, [Touch("ci:ci-000000")])
        print(f"    blast radius of ci:ci-000000: {len(radius.depth):,} nodes")
        return render_impact_json(radius, graph, "ci:ci-000000")

    _, impact_time = timed("impact ci:ci-000000 (graph + walk + JSON)", impact)

    def one() -> str:
        planning = Planning(catalog)
        return render_json([assess(catalog.changes[ONE], planning)], planning.graph, single=True)

    _, one_time = timed(f"risk {ONE} (context + score + JSON)", one)

    def everything() -> str:
        planning = Planning(catalog)
        assessments = [assess(change, planning) for change in open_changes]
        return render_json(assessments, planning.graph, single=False)

    _, all_time = timed(f"risk --all ({len(open_changes):,} changes, JSON)", everything)
    print()
    print(f"impact on top of loading: {impact_time:.2f} s (target <= 0.5 s)")
    print(f"risk of one change on top of loading: {one_time:.2f} s (target <= 0.5 s)")
    print(
        f"risk --all: load + work = {load_time + all_time:.2f} s = {(load_time + all_time) / load_time:.2f}x the load (target < 2x)"
    )
    if not args.skip_cli:
        print("\nend to end, CLI:")
        validate = cli_seconds(["validate", str(args.out), "--format", "json", "-o", "/dev/null"])
        print(f"  itsmctl validate                       {validate:7.2f} s")
        impact_cli = cli_seconds(["-C", str(args.out), "impact", "ci:ci-000000", "--format", "json"])
        print(f"  itsmctl impact ci:ci-000000            {impact_cli:7.2f} s")
        risk_cli = cli_seconds(["-C", str(args.out), "risk", ONE, "--format", "json"])
        print(f"  itsmctl risk {ONE}              {risk_cli:7.2f} s")
        all_cli = cli_seconds(["-C", str(args.out), "risk", "--all", "--format", "json"])
        print(f"  itsmctl risk --all                     {all_cli:7.2f} s")


if __name__ == "__main__":
    main()

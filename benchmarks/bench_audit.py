"""Benchmark: `itsmctl audit` against a bare `git log --name-status` of the same history.

    python benchmarks/bench_audit.py [--commits 10000] [--changes 3000] [--runs 3]

Builds, with `git fast-import`, a history of the example catalog and policies
plus --changes change files that move through their lifecycle in pull requests
(a branch commit and a merge with Approved-by trailers each), until the history
has --commits commits. Every --cmdb-every'th pull request also edits a CI in a
20-CI file, approved by its owner's trailer, so the audit's record-owners check
(a diff of the file's records and a count of the owners' approvals) runs too. With --notes, every merge that approves a change also
carries an evidence note (one notes commit each, as `evidence record` makes them,
written by the bot a Policy names in spec.evidence.writers), so the audit also
reads the notes, walks the notes ref's history and judges every note. Both
commands run as subprocesses over the same history, alternately; medians are
compared. Target (issue 5): audit <= 3x the bare log.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent
STEPS = [
    ("requested", ""),
    ("approved", "Approved-by: Carol <carol@acme.example>\nApproved-by: Dave <dave@acme.example>\n"),
    ("in-progress", ""),
    ("completed", ""),
]


def _change(name: str, status: str, day: int, target: str) -> bytes:
    outcome = (
        "  outcome:\n    summary: Done as planned.\n"
        f"    actualStart: '2026-01-{day:02d}T22:05:00+01:00'\n    actualEnd: '2026-01-{day:02d}T22:45:00+01:00'\n"
        if status == "completed"
        else ""
    )
    return (
        f"apiVersion: itsm/v1\nkind: Change\nmetadata:\n  name: {name}\nspec:\n"
        f"  title: Routine upgrade number {name}\n  type: normal\n  requester: alice@acme.example\n"
        f"  status: {status}\n  targets: [{target}]\n"
        f"  window: {{start: '2026-01-{day:02d}T22:00:00+01:00', end: '2026-01-{day:02d}T23:00:00+01:00'}}\n"
        "  implementationPlan: Drain, upgrade, restart node by node, then undrain and watch the dashboards.\n"
        "  rollbackPlan: Reinstall the previous package version from the artifact store and restart every node.\n"
        "  testPlan: Run the smoke tests and watch the error rate for fifteen minutes.\n" + outcome
    ).encode()


def _blob(path: str, data: bytes) -> bytes:
    return f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n"


def _note(merge: str, head: str, number: int) -> bytes:
    approvals = [
        {"identity": who, "commit": head, "submitted_at": ""}
        for who in ("carol@acme.example", "dave@acme.example", "olivia@acme.example")
    ]
    body = {
        "repository": "acme/itsm",
        "pull_request": number,
        "author": "alice",
        "head": head,
        "merge_commit": merge,
        "recorded_at": "2026-01-01T00:00:00Z",
        "approvals": approvals,
        "changes": [],
    }
    return json.dumps({"itsmctlEvidence": body}).encode()


BENCH_CIS = 20


def _cmdb(edited: int = -1, version: int = 0) -> bytes:
    """A file of CIs owned by a team that approves with trailers; ``edited`` carries ``version`` in a label."""
    parts = [
        b"apiVersion: itsm/v1\nkind: Team\nmetadata: {name: trailer-ops}\n"
        b"spec: {members: [olivia@acme.example, oscar@acme.example]}\n"
    ]
    for index in range(BENCH_CIS):
        label = f"{{rev: v{version}}}" if index == edited else "{rev: v0}"
        parts.append(
            f"apiVersion: itsm/v1\nkind: ConfigurationItem\nmetadata: {{name: bench-host-{index:03d}, labels: {label}}}\n"
            "spec: {type: host, owner: team:trailer-ops, environment: production}\n".encode()
        )
    return b"---\n".join(parts)


def build(out: Path, commits: int, changes: int, seed: int = 5, notes: bool = False, cmdb_every: int = 0) -> None:
    if out.exists():
        shutil.rmtree(out)
    subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True)
    rng = random.Random(seed)
    targets = ["ci:pg-orders", "ci:pg-payments", "service:checkout", "service:cart", "ci:redis-cart", "service:search"]
    stream = bytearray()
    when = 1_767_225_600  # 2026-01-01

    def commit(
        ref: str, mark: int, message: str, files: bytes, parent: int | None, merge: int | None, author: str
    ) -> None:
        nonlocal when
        when += 60
        body = message.encode()
        stream.extend(f"commit {ref}\nmark :{mark}\n".encode())
        stream.extend(f"author {author} {when} +0000\ncommitter {author} {when} +0000\n".encode())
        stream.extend(f"data {len(body)}\n".encode() + body + b"\n")
        if parent is not None:
            stream.extend(f"from :{parent}\n".encode())
        if merge is not None:
            stream.extend(f"merge :{merge}\n".encode())
        stream.extend(files)
        stream.extend(b"\n")

    files = b""
    for path in sorted((EXAMPLE / "catalog").rglob("*.yaml")):
        files += _blob(path.relative_to(EXAMPLE).as_posix(), path.read_bytes())
    # This team approves with Approved-by trailers, so its members are e-mail addresses.
    files += _blob(
        "catalog/approvers.yaml",
        (
            b"apiVersion: itsm/v1\nkind: Team\nmetadata: {name: trailer-cab}\n"
            b"spec: {members: [carol@acme.example, dave@acme.example, erin@acme.example]}\n"
        ),
    )
    files += _blob(
        "policies/change-management.yaml",
        (
            b"apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: change-management}\nspec:\n  approvals:\n"
            b"    - id: cab\n      when: \"spec.type != 'standard' || risk.level in ['high', 'critical']\"\n"
            b"      require: [{team: team:trailer-cab, count: 2}]\n"
            + (b"  evidence: {writers: [bot@acme.example]}\n" if notes else b"")
        ),
    )
    if cmdb_every:
        files += _blob("catalog/bench-cmdb.yaml", _cmdb())
    mark = 1
    commit("refs/heads/main", mark, "initial import", files, None, None, "Admin <admin@acme.example>")
    pulls = 0
    main_mark, total = mark, 1
    stage = [0] * changes
    noted: list[tuple[int, int, int]] = []  # (merge mark, head mark, pull request)
    while total + 2 <= commits:
        index = rng.randrange(changes)
        if stage[index] >= len(STEPS):
            index = next((i for i in range(changes) if stage[i] < len(STEPS)), None)  # type: ignore[assignment]
            if index is None:
                break
        status, trailers = STEPS[stage[index]]
        stage[index] += 1
        name = f"chg-202601{(index % 28) + 1:02d}-{index:04x}"
        data = _change(name, status, (index % 28) + 1, targets[index % len(targets)])
        change_file = _blob(f"changes/{name}.yaml", data)
        pulls += 1
        if cmdb_every and pulls % cmdb_every == 0:
            change_file += _blob("catalog/bench-cmdb.yaml", _cmdb(pulls % BENCH_CIS, pulls))
            trailers += "Approved-by: Olivia <olivia@acme.example>\n"
        mark += 1
        commit(
            f"refs/heads/pr-{mark}",
            mark,
            f"{status} {name}",
            change_file,
            main_mark,
            None,
            "Alice <alice@acme.example>",
        )
        mark += 1
        message = (
            f"Merge pull request #{mark} from acme/pr-{mark - 1}\n\n{trailers}"
            if trailers
            else f"Merge pull request #{mark}"
        )
        # fast-import does not merge trees: the merge commit states the merged file itself.
        commit("refs/heads/main", mark, message, change_file, main_mark, mark - 1, "Maintainer <maint@acme.example>")
        if notes and trailers:
            noted.append((mark, mark - 1, mark))
        main_mark = mark
        total += 2
    marks_file = out / ".git" / "bench-marks"
    fast_import = ["git", "-C", str(out), "fast-import", "--quiet", f"--export-marks={marks_file}"]
    subprocess.run(fast_import, input=bytes(stream), check=True)
    if noted:
        shas = dict(line.split() for line in marks_file.read_text().splitlines())
        stream = bytearray()
        for index, (merge, head, number) in enumerate(noted):
            text = _note(shas[f":{merge}"], shas[f":{head}"], number)
            header = "commit refs/notes/itsm\ncommitter Evidence Bot <bot@acme.example> "
            stream.extend(f"{header}{when + index} +0000\ndata 30\nNotes added by 'git notes add'\n".encode())
            stream.extend(f"N inline {shas[f':{merge}']}\ndata {len(text)}\n".encode() + text + b"\n\n")
        subprocess.run(fast_import[:5], input=bytes(stream), check=True)
    subprocess.run(["git", "-C", str(out), "checkout", "-q", "main"], check=True)
    for ref in subprocess.run(
        ["git", "-C", str(out), "for-each-ref", "--format=%(refname)", "refs/heads/pr-*"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split():
        subprocess.run(["git", "-C", str(out), "update-ref", "-d", ref], check=True)


def seconds(argv: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{argv} failed: {done.stderr.decode()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=3_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "audit-repo")
    parser.add_argument("--notes", action="store_true", help="an evidence note on every approving merge")
    parser.add_argument("--cmdb-every", type=int, default=10, help="every Nth pull request also edits a CI (0: never)")
    args = parser.parse_args()
    build(args.out, args.commits, args.changes, notes=args.notes, cmdb_every=args.cmdb_every)
    count = subprocess.run(
        ["git", "-C", str(args.out), "rev-list", "--count", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    files = subprocess.run(
        ["git", "-C", str(args.out), "ls-files", "changes"], capture_output=True, text=True, check=True
    ).stdout.count("\n")
    bare = ["git", "-C", str(args.out), "log", "--name-status", "HEAD", "--", "catalog", "changes", "policies"]
    audit = [sys.executable, "-m", "itsmctl", "-C", str(args.out), "audit", "--format", "json", "-o", "/dev/null"]
    bares, audits = [], []
    for _ in range(args.runs):
        bares.append(seconds(bare))
        audits.append(seconds(audit))
    bare_t, audit_t = statistics.median(bares), statistics.median(audits)
    notes = subprocess.run(
        ["git", "-C", str(args.out), "rev-list", "--count", "refs/notes/itsm"], capture_output=True, text=True
    ).stdout.strip()
    print(f"history: {count} commits, {files} change files, {notes or 0} notes commits")
    print(f"git log --name-status: {bare_t:.2f} s   runs {[round(t, 2) for t in bares]}")
    print(f"itsmctl audit:         {audit_t:.2f} s   runs {[round(t, 2) for t in audits]}")
    print(f"ratio {audit_t / bare_t:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()

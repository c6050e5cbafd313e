"""Generate a synthetic, valid ITSM repository of any size, for benchmarks.

    python benchmarks/synth.py OUT --cis 20000 --services 2000 --changes 5000 --files 2000

The CMDB is layered like a real one, and acyclic (edges only point to lower
indexes): a few core network CIs at the bottom (ci-000000 is one: everything
above can reach it), platform CIs (clusters, storage) on top of them, many
infrastructure CIs (hosts, databases, caches) on the platform, and services
that use a few infrastructure CIs and sometimes a nearby service. Changes are
spread over two years, a few each night, inside the services' nightly
maintenance window.
"""

from __future__ import annotations

import argparse
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

HEADER = "apiVersion: itsm/v1\n"
# Changes are spread over the nights from here on.
START = datetime(2027, 1, 4, 0, 0, tzinfo=UTC)
STATUSES = [
    "draft",
    "requested",
    "approved",
    "scheduled",
    "in-progress",
    "completed",
    "failed",
    "rolled-back",
    "cancelled",
]
CI_TYPES = ["host", "vm", "database", "cluster", "cache", "queue", "network", "loadbalancer", "storage"]


def _team(index: int) -> str:
    return f"team-{index:03d}"


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _layers(cis: int) -> tuple[int, int]:
    """Index bounds: [0, core) core network, [core, platform) platform, the rest infrastructure."""
    core = max(3, cis // 5000)
    platform = core + max(5, cis // 200)
    return core, min(platform, cis)


def _ci_deps(rng: random.Random, index: int, cis: int) -> list[int]:
    core, platform = _layers(cis)
    if index < core:
        return []
    if index < platform:
        return sorted({rng.randrange(core) for _ in range(rng.randint(1, 2))})
    deps = {rng.randrange(core, platform)}
    if rng.random() < 0.3 and index - platform > 1:
        deps.add(rng.randrange(max(platform, index - 20), index))
    return sorted(deps)


def _ci_doc(rng: random.Random, index: int, cis: int, teams: int) -> str:
    deps = _ci_deps(rng, index, cis)
    lines = [
        HEADER + "kind: ConfigurationItem\nmetadata:\n",
        f"  name: ci-{index:06d}\n  title: CI {index}\n  labels:\n    zone: z{index % 7}\n",
        f"spec:\n  type: {CI_TYPES[index % len(CI_TYPES)]}\n  owner: team:{_team(index % teams)}\n",
        f"  environment: production\n  location: eu-central-{1 + index % 3}\n",
    ]
    if deps:
        lines.append("  dependsOn:\n" + "".join(f"    - ci:ci-{d:06d}\n" for d in deps))
    if index % 10 == 0:
        lines.append("  redundancy:\n    replicas: 3\n    minAvailable: 2\n")
    if index % 25 == 0:
        lines.append(
            "  maintenanceWindows:\n    - rrule: FREQ=DAILY;BYHOUR=0;BYMINUTE=0\n"
            "      duration: 7h\n      timezone: UTC\n"
        )
    return "".join(lines)


def _service_doc(rng: random.Random, index: int, cis: int, teams: int) -> str:
    _, platform = _layers(cis)
    low = platform if cis > platform else 0
    ci_deps = sorted({rng.randrange(low, cis) for _ in range(rng.randint(1, 3))})
    svc_deps = [rng.randrange(max(0, index - 30), index)] if index and rng.random() < 0.5 else []
    tier = 1 + index % 4
    deps = [f"service:svc-{d:05d}" for d in svc_deps] + [f"ci:ci-{d:06d}" for d in ci_deps]
    return (
        HEADER
        + "kind: Service\nmetadata:\n"
        + f"  name: svc-{index:05d}\n  title: Service {index}\n"
        + f"  description: Synthetic service number {index} for benchmarks.\n"
        + f"  labels:\n    domain: d{index % 9}\nspec:\n  owner: team:{_team(index % teams)}\n"
        + f"  tier: {tier}\n  lifecycle: production\n  sla: sla:{['gold', 'silver', 'bronze'][min(tier - 1, 2)]}\n"
        + f"  repository: https://github.com/acme/svc-{index:05d}\n"
        + "  dependsOn:\n"
        + "".join(f"    - {d}\n" for d in deps)
        + "  maintenanceWindows:\n    - rrule: FREQ=DAILY;BYHOUR=1;BYMINUTE=0\n"
        + "      duration: 5h\n      timezone: UTC\n"
    )


def _change_doc(rng: random.Random, index: int, services: int, cis: int, start: datetime) -> str:
    status = STATUSES[index % len(STATUSES)]
    kind = ["normal", "normal", "standard", "emergency"][index % 4]
    targets = [f"service:svc-{rng.randrange(services):05d}"]
    if index % 3 == 0:
        targets.append(f"ci:ci-{rng.randrange(_layers(cis)[1] if cis > _layers(cis)[1] else 0, cis):06d}")
    # About seven changes a night, each inside the 01:00-06:00 UTC window.
    night = start + timedelta(days=index // 7)
    begin = night + timedelta(hours=1, minutes=rng.choice([0, 30, 60, 90, 120]))
    end = begin + timedelta(hours=rng.choice([1, 2]))
    text = (
        HEADER
        + "kind: Change\nmetadata:\n"
        + f"  name: {change_name(index, start)}\nspec:\n"
        + f"  title: Synthetic change {index} to upgrade components\n  type: {kind}\n"
        + f"  requester: user{index % 97}\n  status: {status}\n"
        + "  targets:\n"
        + "".join(f"    - {t}\n" for t in targets)
        + f"  window:\n    start: '{begin.isoformat()}'\n    end: '{end.isoformat()}'\n"
        + "  implementationPlan: |\n    1. Drain traffic from the first node.\n"
        + "    2. Upgrade the package and restart the service.\n    3. Repeat for the remaining nodes.\n"
        + "  rollbackPlan: |\n    Reinstall the previous package version from the artifact store and restart.\n"
        + "  testPlan: |\n    Run the smoke test suite and watch the error-rate dashboard for 15 minutes.\n"
    )
    if kind == "standard":
        text += "  template: standard:routine-patch\n"
    if kind == "emergency":
        text += "  description: Emergency fix for a security advisory that cannot wait for the next CAB.\n"
    if status in ("completed", "failed", "rolled-back"):
        summary = "Done as planned." if status == "completed" else "Stopped and reverted; no customer impact."
        text += (
            f"  outcome:\n    summary: {summary}\n"
            f"    actualStart: '{begin.isoformat()}'\n    actualEnd: '{end.isoformat()}'\n"
        )
        if kind == "emergency":
            text += (
                "  pir:\n    summary: Reviewed in the weekly post-implementation review; follow-ups filed.\n"
                "    reviewedBy: [cab1, cab2]\n"
            )
    return text


def change_name(index: int, start: datetime) -> str:
    """The id scheme of real changes: chg-YYYYMMDD-xxxx (date of the night, index in hex)."""
    night = start + timedelta(days=index // 7)
    return f"chg-{night:%Y%m%d}-{index:04x}"


def _teams_doc(teams: int) -> str:
    docs = []
    for index in range(teams):
        members = "".join(f"    - user{(index * 3 + k) % 97}\n" for k in range(3))
        docs.append(
            HEADER
            + f"kind: Team\nmetadata:\n  name: {_team(index)}\nspec:\n  members:\n{members}"
            + f"  contact:\n    email: {_team(index)}@example.com\n"
        )
    for name in ("cab", "sre"):
        docs.append(
            HEADER
            + f"kind: Team\nmetadata:\n  name: {name}\nspec:\n  members: [{name}1, {name}2, {name}3]\n"
            + f"  contact:\n    email: {name}@example.com\n"
        )
    docs.append(
        HEADER + "kind: StandardChange\nmetadata:\n  name: routine-patch\nspec:\n  owner: team:sre\n"
        "  allowedTargets:\n    tiers: [1, 2, 3, 4]\n    ciTypes: [" + ", ".join(CI_TYPES) + "]\n  maxRisk: critical\n"
    )
    return "---\n".join(docs)


SLAS = """apiVersion: itsm/v1
kind: SLA
metadata: {name: gold}
spec:
  availability: 99.95
  supportHours: 24x7
  response: {P1: 15m, P2: 1h, P3: 4h, P4: 1d}
  resolution: {P1: 4h, P2: 8h, P3: 3d, P4: 10d}
---
apiVersion: itsm/v1
kind: SLA
metadata: {name: silver}
spec:
  availability: 99.9
  supportHours: 24x7
  response: {P1: 30m, P2: 2h, P3: 8h, P4: 2d}
  resolution: {P1: 8h, P2: 1d, P3: 5d, P4: 15d}
---
apiVersion: itsm/v1
kind: SLA
metadata: {name: bronze}
spec:
  availability: 99.5
  response: {P1: 1h, P2: 4h, P3: 1d, P4: 5d}
  resolution: {P1: 1d, P2: 3d, P3: 10d, P4: 30d}
"""


def generate(out: Path, cis: int, services: int, changes: int, files: int, teams: int = 50, seed: int = 7) -> None:
    """Write the repository to ``out`` (replacing it). Policies come from the example repo."""
    if out.exists():
        shutil.rmtree(out)
    rng = random.Random(seed)
    (out / "catalog").mkdir(parents=True)
    (out / "changes").mkdir()
    (out / "catalog" / "teams.yaml").write_text(_teams_doc(teams))
    (out / "catalog" / "slas.yaml").write_text(SLAS)
    example_policies = Path(__file__).resolve().parent.parent / "policies"
    if example_policies.is_dir():
        shutil.copytree(example_policies, out / "policies")
    total = cis + services + changes
    per_file = max(1, total // max(1, files - 2))
    ci_docs = [_ci_doc(rng, i, cis, teams) for i in range(cis)]
    for number, chunk in enumerate(_chunks(ci_docs, per_file)):
        folder = out / "catalog" / "cis" / f"g{number // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"cis-{number:05d}.yaml").write_text("---\n".join(chunk))
    svc_docs = [_service_doc(rng, i, max(cis, 1), teams) for i in range(services)]
    for number, chunk in enumerate(_chunks(svc_docs, per_file)):
        folder = out / "catalog" / "services"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"services-{number:05d}.yaml").write_text("---\n".join(chunk))
    start = START
    change_docs = [_change_doc(rng, i, max(services, 1), max(cis, 1), start) for i in range(changes)]
    for number, chunk in enumerate(_chunks(change_docs, per_file)):
        folder = out / "changes" / f"g{number // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"changes-{number:05d}.yaml").write_text("---\n".join(chunk))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--cis", type=int, default=20000)
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--changes", type=int, default=5000)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--teams", type=int, default=50)
    args = parser.parse_args()
    generate(args.out, args.cis, args.services, args.changes, args.files, args.teams)


if __name__ == "__main__":
    main()

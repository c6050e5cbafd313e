"""Shared fixtures: real files in tmp dirs, the real CLI in-process."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from itsmctl.cli import main

REPO_ROOT = Path(__file__).resolve().parent.parent
# The official SARIF 2.1.0 schema (OASIS), vendored so a clean clone can run the tests.
SARIF_SCHEMA = REPO_ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never touch the user's cache directory, nor the key that authenticates its entries."""
    import os

    os.environ["ITSMCTL_CACHE_DIR"] = str(tmp_path_factory.mktemp("itsmctl-cache"))
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("itsmctl-config"))


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "repo"
        root.mkdir(exist_ok=True)
        return write_files(root, files)

    return make


def load_text(*documents: str):  # type: ignore[no-untyped-def]
    """Load YAML documents (each a string) as one in-memory repository file."""
    from itsmctl.load.records import load_sources

    text = "\n---\n".join(textwrap.dedent(doc).strip("\n") for doc in documents) + "\n"
    return load_sources([("catalog/test.yaml", text.encode("utf-8"))])


def team(name: str = "ops", members: str = "[alice, bob]") -> str:
    return f"apiVersion: itsm/v1\nkind: Team\nmetadata: {{name: {name}}}\nspec: {{members: {members}}}\n"


def service(name: str, tier: int = 3, depends: str = "[]", extra: str = "") -> str:
    sla = "  sla: sla:gold\n" if tier <= 2 else ""
    return (
        f"apiVersion: itsm/v1\nkind: Service\nmetadata: {{name: {name}}}\nspec:\n"
        f"  owner: team:ops\n  tier: {tier}\n  lifecycle: production\n{sla}  dependsOn: {depends}\n{extra}"
    )


def ci(name: str, depends: str = "[]", extra: str = "") -> str:
    return (
        f"apiVersion: itsm/v1\nkind: ConfigurationItem\nmetadata: {{name: {name}}}\nspec:\n"
        f"  type: host\n  owner: team:ops\n  environment: production\n  dependsOn: {depends}\n{extra}"
    )


GOLD_SLA = """apiVersion: itsm/v1
kind: SLA
metadata: {name: gold}
spec:
  availability: 99.95
  response: {P1: 15m}
  resolution: {P1: 4h}
"""


def change(
    name: str, targets: str, start: str, end: str, status: str = "requested", kind: str = "normal", extra: str = ""
) -> str:
    return (
        f"apiVersion: itsm/v1\nkind: Change\nmetadata: {{name: {name}}}\nspec:\n"
        f"  title: Change {name}\n  type: {kind}\n  requester: alice\n  status: {status}\n"
        f"  targets: {targets}\n  window: {{start: '{start}', end: '{end}'}}\n"
        "  rollbackPlan: Restore the previous release from the artifact store and restart every node in order.\n"
        "  testPlan: Run the smoke test suite and watch the error rate for fifteen minutes.\n"
        f"{extra}"
    )


def approval_policy(require: str = "[{team: team:cab, count: 2}]", owner: str | None = None) -> str:
    """A Policy whose only content is one approval requirement for every change (and ``owner``, if given)."""
    return (
        "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: change-management}\nspec:\n"
        + (f"  owner: {owner}\n" if owner else "")
        + f"  approvals:\n    - id: cab\n      require: {require}\n"
    )

"""The example repository's site, built once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from itsmctl.cli.common import planning_for
from itsmctl.load.repository import load_tree
from itsmctl.publish.build import build_site
from itsmctl.publish.site import collect
from tests.conftest import REPO_ROOT

HOSTILE_DESCRIPTION = 'Pays <script>alert(1)</script> & <img src=x onerror=alert(2)> \\" quotes'


def build_example(target: Path, tweak=None) -> Path:  # type: ignore[no-untyped-def]
    root = target / "repo"
    for folder in ("catalog", "changes", "policies"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    if tweak:
        tweak(root)
    loaded = load_tree(root)
    site = collect(loaded.catalog, planning_for(loaded, use_git_history=False))
    out = target / "site"
    build_site(site, out, quiet=True)
    return out


def _hostile(root: Path) -> None:
    path = root / "catalog" / "services" / "commerce.yaml"
    text = path.read_text()
    original = "  description: Address, delivery option, payment and order confirmation. Creates the order and the payment intent.\n"
    assert original in text
    path.write_text(text.replace(original, f"  description: '{HOSTILE_DESCRIPTION}'\n", 1))


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_example(tmp_path_factory.mktemp("site"), _hostile)

"""The pre-commit hook runs `validate` whenever a commit touches a file `validate` reads (issue 11, item 19).

Its ``files:`` pattern is derived from the loader's own definition (``load.discover``); the copy in
``.pre-commit-hooks.yaml`` must equal it, and it must select exactly the files the loader finds in
the example repository: Knowledge articles (``catalog/knowledge/*.md``) and policies included.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st

from itsmctl.load.discover import RECORD_ROOTS, discover, hook_files_pattern, is_record_file, relative
from tests.conftest import REPO_ROOT

HOOKS = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def _hook() -> dict[str, object]:
    (hook,) = [h for h in HOOKS if h["id"] == "itsmctl-validate"]
    return hook  # type: ignore[no-any-return]


def _selected(path: str) -> bool:
    """As pre-commit filters: ``re.search`` of the ``files`` pattern on the repo-relative path."""
    return re.search(str(_hook()["files"]), path) is not None


def _repository_files(root: Path) -> list[str]:
    found = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".git", ".venv", "__pycache__")]  # not the checkout's own
        found += [relative(Path(directory, name), root) for name in filenames]
    return found


def test_the_hook_file_holds_the_pattern_derived_from_the_loader() -> None:
    assert _hook()["files"] == hook_files_pattern()
    assert _hook()["pass_filenames"] is False  # validate always reads the whole repository


def test_the_hook_selects_exactly_the_files_the_loader_reads_in_the_example_repository() -> None:
    read = {relative(path, REPO_ROOT) for path in discover(REPO_ROOT).files}
    assert any(path.startswith("catalog/knowledge/") and path.endswith(".md") for path in read)
    assert any(path.startswith("policies/") for path in read)
    everything = _repository_files(REPO_ROOT)
    assert sorted(path for path in everything if _selected(path)) == sorted(read)


_segment = st.text(alphabet="abc.-_", min_size=1, max_size=4)


@given(
    st.lists(st.sampled_from([*RECORD_ROOTS, "knowledge", "docs", ".hidden", "x"]) | _segment, min_size=0, max_size=3),
    st.text(alphabet="ab.", min_size=0, max_size=3),
    st.sampled_from([".yaml", ".yml", ".md", ".json", ".YAML", ""]),
)
def test_the_pattern_agrees_with_the_loader_on_any_path(folders: list[str], stem: str, suffix: str) -> None:
    path = "/".join([*folders, stem + suffix])
    expected = path.split("/", 1)[0] in RECORD_ROOTS and is_record_file(path)
    assert (re.search(hook_files_pattern(), path) is not None) == expected, path


def test_an_edited_article_or_policy_triggers_the_hook() -> None:
    for path in (
        "catalog/knowledge/restarting-checkout-safely.md",
        "catalog/knowledge/runbooks/db.md",
        "policies/change-management.yaml",
        "changes/2026/chg-20261006-3a62.yml",
    ):
        assert _selected(path), path
    for path in ("catalog/README.md", "docs/knowledge/a.md", "catalog/.draft.yaml", "action.yml", "catalog/x.json"):
        assert not _selected(path), path

"""README documents what the tool does: every rule, every command, the set-up commands."""

from __future__ import annotations

import re

from itsmctl.cli import COMMANDS
from itsmctl.rules import REGISTRY
from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()


def test_every_rule_is_listed() -> None:
    for rule_id in REGISTRY:
        assert f"`{rule_id}`" in README, rule_id


def test_every_command_is_documented() -> None:
    for name in COMMANDS:
        assert f"itsmctl {name}" in README, name


def test_readme_starts_with_install_then_validate_then_test() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", README, re.DOTALL)
    assert blocks[0].split("\n")[:2] == ["pip install -e '.[test]'", "itsmctl validate"]
    assert blocks[1].strip() == "python -m pytest"
    assert "python -m pytest" in (REPO_ROOT / ".ci" / "run").read_text()

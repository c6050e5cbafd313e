"""File names that are not UTF-8: every command reads the repository without a traceback.

Found with ``deceptive-name`` (issue 11 leftovers, item 5): a record file whose
name holds a byte that is not UTF-8 (``x\\xff.yaml``, kept by Python as a lone
surrogate) crashed ``validate`` in the result cache's key, ``--format sarif`` in
the URI and ``catalog build`` in catalog.json ("internal error:
UnicodeEncodeError"). Bad input is a finding or a clear message, never a crash.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import GOLD_SLA, service, team, write_files

NAME = os.fsdecode(b"catalog/x\xff.yaml")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write_files(tmp_path / "repo", {"catalog/base.yaml": "\n---\n".join([GOLD_SLA, service("shop", tier=2)])})
    (root / NAME).write_text(team(), encoding="utf-8")
    return root


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github", "junit"])
def test_validate_reports_the_name_in_every_format(repo: Path, run_cli, output_format: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):  # the second run reads the result cache
        result = run_cli("-C", str(repo), "validate", "--format", output_format)
        assert result.exit_code == 1, result.stderr
        assert "internal error" not in result.stderr and "deceptive-name" in result.stdout
    if output_format == "sarif":
        uris = {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(result.stdout)["runs"][0]["results"]
        }
        assert "catalog/x%FF.yaml" in uris  # the file's own bytes


def test_catalog_build_and_reports_read_it(repo: Path, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    built = run_cli("-C", str(repo), "catalog", "build", "--out", str(site), "--quiet")
    assert built.exit_code == 0, built.stderr
    paths = [record["path"] for record in json.loads((site / "catalog.json").read_text(encoding="utf-8"))["records"]]
    assert NAME in paths  # the escape reads back as the name Python gave the file
    for args in (("graph",), ("sla", "report", "--period", "2026-11"), ("schedule", "--format", "json")):
        result = run_cli("-C", str(repo), *args)
        assert result.exit_code == 0 and "internal error" not in result.stderr, result.stderr

"""Options that name a record: an invalid record is "invalid", with its file and line; never "did you mean" itself.

Before (issue 11 leftovers, item 8): ``gate --ci db`` said "no CI 'db'", ``new
change --target ci:db`` "no such service or CI", ``impact db`` reported on a
record the catalog does not hold and ``graph --focus db`` crashed (KeyError),
all for a CI that exists but is invalid.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import GOLD_SLA, ci, service, team
from tests.gitrepo import GitRepo

# ci:db fails its schema (an unknown field), service:pay too (tier 9); shop and cache are valid.
BAD_CI = ci("db", extra="  bogus: 1\n")
BAD_SERVICE = service("pay", tier=3).replace("tier: 3", "tier: 9")
FILES = {
    "catalog/teams.yaml": team("ops"),
    "catalog/slas.yaml": GOLD_SLA,
    "catalog/cmdb.yaml": "---\n".join(
        [ci("cache"), service("shop", tier=2, depends="[ci:cache]"), BAD_CI, BAD_SERVICE]
    ),
}


def _line_of(name: str) -> int:
    text = FILES["catalog/cmdb.yaml"]
    documents = text.split("---\n")
    index = next(i for i, d in enumerate(documents) if f"name: {name}}}" in d)
    return sum(d.count("\n") for d in documents[:index]) + index + 1


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    git_repo = GitRepo(tmp_path_factory.mktemp("named") / "repo")
    git_repo.commit("catalog", FILES)
    return git_repo.root


INVALID_CI = [
    ("gate", "--service", "shop", "--ci", "db"),
    ("gate", "--service", "shop", "--ci", "ci:db"),
    ("impact", "ci:db"),
    ("impact", "db"),
    ("graph", "--focus", "ci:db"),
    ("graph", "--focus", "db"),
    ("new", "change", "--title", "Upgrade the database", "--target", "ci:db", "--requester", "alice"),
]
INVALID_SERVICE = [
    ("gate", "--service", "pay"),
    ("gate", "--service", "service:pay"),
    ("impact", "service:pay"),
    ("impact", "pay"),
    ("graph", "--focus", "pay"),
    ("sla", "report", "--period", "2026-11", "--service", "pay"),
    ("audit", "--service", "pay"),
    ("audit", "--service", "service:pay"),
    ("new", "change", "--title", "Upgrade the payments", "--target", "service:pay", "--requester", "alice"),
]


@pytest.mark.parametrize(
    ("args", "ref", "name"),
    [*((a, "ci:db", "db") for a in INVALID_CI), *((a, "service:pay", "pay") for a in INVALID_SERVICE)],
    ids=[" ".join(a) for a in [*INVALID_CI, *INVALID_SERVICE]],
)
def test_an_invalid_record_named_by_an_option_is_called_invalid(repo: Path, run_cli, args, ref, name) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("-C", str(repo), *args)
    said = result.stdout + result.stderr
    assert result.exit_code == (1 if args[0] == "gate" else 2), said
    assert f"{ref} (catalog/cmdb.yaml:{_line_of(name)}) is invalid" in said, said
    assert "did you mean" not in said and "no such" not in said and "internal error" not in said, said
    assert not (repo / "changes").exists()  # new change wrote nothing


@pytest.mark.parametrize(
    "args",
    [
        ("gate", "--service", "shpo"),
        ("gate", "--service", "shop", "--ci", "cahce"),
        ("impact", "ci:cahce"),
        ("graph", "--focus", "service:shpo"),
        ("sla", "report", "--period", "2026-11", "--service", "shpo"),
        ("audit", "--service", "shpo"),
        ("new", "change", "--title", "Upgrade the cache", "--target", "ci:cahce", "--requester", "alice"),
    ],
    ids=lambda a: " ".join(a),
)
def test_a_missing_record_gets_a_close_valid_name_and_never_its_own(repo: Path, run_cli, args) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("-C", str(repo), *args)
    said = result.stdout + result.stderr
    assert result.exit_code == (1 if args[0] == "gate" else 2), said
    suggested = re.findall(r"did you mean '([^']+)'", said)
    assert suggested in (["service:shop"], ["ci:cache"]), said

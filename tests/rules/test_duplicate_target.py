"""`duplicate-target`: one target named twice is one target, read with its replicas summed."""

from __future__ import annotations

import json

import pytest

from tests.conftest import GOLD_SLA, change, ci, service, team

WINDOW = ("2027-01-19T22:00:00+01:00", "2027-01-20T00:00:00+01:00")


@pytest.mark.parametrize(
    "targets, message",
    [
        ("[{ref: ci:db, replicas: 1}, {ref: ci:db, replicas: 1}]", "2 replicas down at once"),
        ("[ci:db, {ref: ci:db, replicas: 1}]", "all of it down"),
        ("[service:shop, ci:db, service:shop]", "all of it down"),
    ],
)
def test_a_target_named_twice_is_a_warning_that_says_how_it_is_read(
    make_repo, run_cli, targets: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    redundant = ci("db", extra="  redundancy: {replicas: 3, minAvailable: 2}\n")
    root = make_repo(
        {
            "catalog/all.yaml": "\n---\n".join([team(), GOLD_SLA, redundant, service("shop", depends="[ci:db]")]),
            "changes/chg-1.yaml": change("chg-1", targets, *WINDOW),
        }
    )
    result = run_cli("-C", str(root), "validate", "--format", "json")
    (finding,) = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "duplicate-target"]
    assert finding["severity"] == "warning" and message in finding["message"]
    assert (finding["path"], finding["line"]) == ("changes/chg-1.yaml", 9)  # the targets line

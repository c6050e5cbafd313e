"""The audit replays history with the same YAML reading as validate: `country: NO` is the text "NO"."""

from __future__ import annotations

from pathlib import Path

from itsmctl.audit.walk import run_audit
from tests.audit.test_audit import APPROVERS, History

FREEZE = """apiVersion: itsm/v1
kind: Freeze
metadata: {name: norway}
spec:
  start: '2026-10-05T00:00:00+02:00'
  end: '2026-10-08T00:00:00+02:00'
  scope: {labels: {country: 'NO'}}
"""
CI_IN_NORWAY = """apiVersion: itsm/v1
kind: ConfigurationItem
metadata:
  name: db
  labels: {country: NO}
spec: {type: host, owner: team:ops, environment: production, dependsOn: []}
"""


def test_a_change_carried_out_in_a_freeze_on_label_no_is_a_violation(tmp_path: Path) -> None:
    history = History(tmp_path / "repo")
    cmdb = (tmp_path / "repo" / "catalog" / "cmdb.yaml").read_text()
    start = cmdb.index("apiVersion: itsm/v1\nkind: ConfigurationItem")
    end = cmdb.index("---", start)
    history.merge(
        {"catalog/cmdb.yaml": cmdb[:start] + CI_IN_NORWAY + cmdb[end:], "catalog/freezes.yaml": FREEZE},
        "Approved-by: Alice <alice@acme.example>\n",  # ops, the CI's owner, approves the edit (record-owners)
        author="Admin <admin@acme.example>",
    )
    history.lifecycle(approve_trailers=APPROVERS)
    findings = run_audit(history.repo.repo).findings
    # The lifecycle's change targets ci:db and was carried out on 6 October, inside the freeze.
    assert [(f.rule, f.details.get("change")) for f in findings] == [("freeze-violation", "chg-1")], findings

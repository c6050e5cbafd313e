"""The cost bound is honest: at the limit, every costly shape of expression runs within the documented time.

Each case grows a record (or a literal) until the expression is just within its
limit, then times a real evaluation. The bound is in steps; the README promises
10^6 steps plus 16 per unit of the record's data per expression, and that a step
takes well under 100 ns (measured here: 5 to 30 ns). A shape the model
under-charges shows up as a case slower than that.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from itsmctl.load.records import DEFAULT_MAX_FILE_BYTES
from itsmctl.policy.cel import activation, compile_expression
from itsmctl.policy.cel_bound import RecordSizes, allowed_steps

NANOSECONDS_PER_STEP = 100  # what the README promises, with room for a busy machine

Record = Callable[[int], dict[str, object]]


def _spec(**fields: object) -> dict[str, object]:
    return {"spec": dict(fields)}


CASES: list[tuple[str, str, Record]] = [
    ("search in a comprehension", "spec.a.all(x, x in spec.b)", lambda n: _spec(a=list(range(n)), b=list(range(n)))),
    ("map copies its result", "spec.a.map(x, x * 2).size() > 0", lambda n: _spec(a=list(range(n)))),
    ("filter copies its result", "spec.a.filter(x, x >= 0).size() >= 0", lambda n: _spec(a=list(range(n)))),
    ("maps bound one by one", "spec.a.all(x, x.k0 >= 0)", lambda n: _spec(a=[{f"k{i}": i for i in range(5)}] * n)),
    ("a map's keys", "spec.m.all(k, k != '')", lambda n: _spec(m={str(i): i for i in range(n)})),
    ("big field selected", "[1, 2, 3, 4, 5, 6, 7, 8].all(i, size(spec.m) > 0)", lambda n: _spec(m={str(i): i for i in range(n)})),
    ("pattern compiled per element", "spec.a.all(x, x.matches('\\\\w{3}[0-9]'))", lambda n: _spec(a=["ab1"] * n)),
    ("pattern states per character", "spec.t.matches('(a|b)*a(a|b){1200}c')", lambda n: _spec(t="ab" * n)),
    ("strings walked", "spec.a.all(x, x.contains('zz') || x.startsWith('q') || size(x) > 500)", lambda n: _spec(a=["abcdefgh" * 8] * n)),
    ("conversions", "spec.a.all(x, timestamp(x) > timestamp('2020-01-01T00:00:00Z'))", lambda n: _spec(a=["2024-01-01T00:00:00Z"] * n)),
]  # fmt: skip


LARGEST = 2**16  # elements: enough to reach every limit below in well under a second


def _largest_within(expression: str, record: Record) -> tuple[int, RecordSizes]:
    rule = compile_expression(expression)
    low, high = 1, 2
    while RecordSizes(record(high)).over_budget(rule.cost, rule.variables) is None:
        if high >= LARGEST:
            return high, RecordSizes(record(high))
        low, high = high, high * 2
    while high - low > max(1, low // 50):
        middle = (low + high) // 2
        if RecordSizes(record(middle)).over_budget(rule.cost, rule.variables) is None:
            low = middle
        else:
            high = middle
    return low, RecordSizes(record(low))


def _seconds(expression: str, variables: dict[str, object]) -> float:
    """One evaluation as the engine runs it on a record: the context made, the values converted, the rule run."""
    rule = compile_expression(expression)
    start = time.perf_counter()
    rule.evaluate(activation(variables))
    return time.perf_counter() - start


@pytest.mark.parametrize("label, expression, record", CASES, ids=[case[0] for case in CASES])
def test_at_its_limit_an_expression_runs_within_the_documented_time(
    label: str, expression: str, record: Record
) -> None:
    rule = compile_expression(expression)
    size, sizes = _largest_within(expression, record)
    for path in rule.cost.paths:
        sizes.path(path)
    steps = rule.cost.steps(sizes._paths)
    allowed = allowed_steps(sizes.total(rule.variables))
    assert steps <= allowed
    assert steps >= allowed / 2 or size >= LARGEST, "the case must sit at its limit to measure it"
    seconds = _seconds(expression, sizes.variables)  # type: ignore[arg-type]
    assert seconds <= allowed * NANOSECONDS_PER_STEP * 1e-9, (
        f"{label}: {seconds:.3f} s for {steps:,} steps at n={size:,}"
    )


def test_a_worst_case_expression_on_the_largest_record_a_file_can_hold() -> None:
    # A 4 MiB file holds at most a flow list of 2 Mi one-letter items (`[a,a,...]`, two bytes each):
    # the most values, and characters, a record can have (aliases add at most 10,000 nodes and
    # 1,000,000 characters). An expression that walks it and is within its limit on any record:
    elements = DEFAULT_MAX_FILE_BYTES // 2
    variables: dict[str, object] = {"spec": {"members": ["a"] * elements}}
    expression = "spec.members.all(m, m != 'b' && m != 'c')"
    rule = compile_expression(expression)
    sizes = RecordSizes(variables)
    assert sizes.over_budget(rule.cost, rule.variables) is None
    allowed = allowed_steps(sizes.total(rule.variables))
    assert allowed < 70_000_000  # the README's worst case: 10^6 + 16 x 4.2 million
    seconds = _seconds(expression, variables)
    assert seconds <= allowed * NANOSECONDS_PER_STEP * 1e-9, seconds

"""The per-record side of a CEL expression's cost bound: its polynomial, the limit, and a record's sizes.

``cel_cost`` turns an expression into a ``CostBound``: a polynomial in the sizes of
the record values it reads (``spec.targets``) and their element counts
(``#spec.targets``). Here the bound meets a record: ``RecordSizes`` measures only
the values a bound names, only when its growth could outrun the allowance, and
says why an expression may not run on this record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

BUDGET = 1_000_000  # steps per expression and record that do not depend on the record's size
PER_UNIT = 16  # further steps allowed per unit of the size of the record data an expression reads
MAP_ITERATION = 8  # iterating a map costs as many steps as this many list elements per key (measured)

Monomial = tuple[tuple[str, int], ...]  # (variable, power), sorted; () is the constant term
COUNT = "#"  # "#spec.targets": the number of elements of the value at spec.targets


def collapse(terms: tuple[tuple[Monomial, int], ...]) -> CostBound:
    """The bound with every variable replaced by B, the size of all the record data read.

    A value's size is at most B; a count (``#spec.m``) is at most B for a list, and at most
    MAP_ITERATION/2 times B for a map (each key is at least a value and a character).
    """
    degree = max((sum(power for _, power in monomial) for monomial, _ in terms), default=0)
    coefficients = [0] * (degree + 1)
    for monomial, c in terms:
        for name, power in monomial:
            if name.startswith(COUNT):
                c *= (MAP_ITERATION // 2) ** power
        coefficients[sum(power for _, power in monomial)] += c
    return CostBound(tuple(coefficients), terms)


@dataclass(frozen=True)
class CostBound:
    """Steps an expression may take on a record, as a polynomial in the sizes of the values it reads.

    ``coefficients`` is the same polynomial with every size replaced by B, the size of all the
    record data the expression reads: what is known without the record.
    """

    coefficients: tuple[int, ...]  # of B^0, B^1, ...
    terms: tuple[tuple[Monomial, int], ...] = ()  # over record paths such as "spec.targets"

    @property
    def constant(self) -> int:
        return self.coefficients[0] if self.coefficients else 0

    @property
    def always_within(self) -> bool:
        """Within the limit for a record of any size: no check per record is needed."""
        padded = (*self.coefficients, 0, 0)
        return padded[0] <= BUDGET and padded[1] <= PER_UNIT and not any(padded[2:])

    @property
    def paths(self) -> frozenset[str]:
        """The record values whose sizes the bound depends on."""
        return frozenset(name.removeprefix(COUNT) for monomial, _ in self.terms for name, _ in monomial)

    def at_size(self, size: int) -> int:
        """Steps on a record whose data read has size ``size``, with no more known about it."""
        return sum(c * size**i for i, c in enumerate(self.coefficients))

    def steps(self, sizes: Mapping[str, int]) -> int:
        return sum(c * _product(sizes.get(name, 0) ** power for name, power in monomial) for monomial, c in self.terms)

    def __add__(self, other: CostBound) -> CostBound:
        merged = dict(self.terms)
        for monomial, c in other.terms:
            merged[monomial] = merged.get(monomial, 0) + c
        return collapse(tuple(sorted(merged.items())))


def _product(factors: Iterable[int]) -> int:
    result = 1
    for factor in factors:
        result *= factor
    return result


def allowed_steps(size: int) -> int:
    return BUDGET + PER_UNIT * size


def value_size(values: Iterable[object]) -> int:
    """The CEL abstract size of Python values (one per value, plus characters or bytes), as they are passed to CEL."""
    total = 0
    stack = list(values)
    while stack:
        value = stack.pop()
        total += 1
        if isinstance(value, (str, bytes)):
            total += len(value)
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
    return total


class RecordSizes:
    """The sizes of one record's data as the expressions see it, measured once and only when asked."""

    def __init__(self, variables: Mapping[str, object]) -> None:
        self.variables = variables
        self._paths: dict[str, int] = {}
        self._totals: dict[frozenset[str], int] = {}

    def total(self, names: frozenset[str]) -> int:
        """The size of the variables ``names`` together (those the expression reads)."""
        if names not in self._totals:
            self._totals[names] = value_size(self.variables[name] for name in names if name in self.variables)
        return self._totals[names]

    def path(self, path: str) -> None:
        """Measure the value at ``spec.targets``: its size, and its number of elements (``#spec.targets``).

        Where a path leads nowhere, the expression fails there when it runs, and does no work on it: 0.
        """
        if path not in self._paths:
            name, *fields = path.split(".")
            value = self.variables.get(name)
            for field in fields:
                value = value.get(field) if isinstance(value, dict) else None
            self._paths[path] = value_size([value]) if value is not None else 0
            count = (
                len(value) if isinstance(value, list) else MAP_ITERATION * len(value) if isinstance(value, dict) else 0
            )
            self._paths[COUNT + path] = count

    def over_budget(self, bound: CostBound, names: frozenset[str]) -> str | None:
        """Why an expression with this bound, reading ``names``, may not run on this record; None when it may."""
        if bound.always_within:
            return None
        for path in bound.paths:
            self.path(path)
        sizes = self._paths
        steps = bound.steps(sizes)
        if steps <= BUDGET:
            return None  # within the allowance whatever the record's size: no need to measure it all
        total = self.total(names)
        if steps <= allowed_steps(total):
            return None
        return describe(bound, sizes, total)


def describe(bound: CostBound, sizes: Mapping[str, int], size: int) -> str:
    largest = sorted(((v, path) for path, v in sizes.items() if v and path in bound.paths), reverse=True)[:3]
    shown = ", ".join(f"{path} has size {value:,}" for value, path in largest)
    return (
        f"it could take up to {bound.steps(sizes):,} steps ({shown}); the limit is "
        f"{allowed_steps(size):,} ({BUDGET:,} plus {PER_UNIT} per unit of the size of the data it reads, {size:,})"
    )

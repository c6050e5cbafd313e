"""A static bound on what a CEL expression can cost on one record.

An evaluation cannot be interrupted once the CEL library runs it, so an
expression is judged before it runs. Its cost is bounded as a polynomial in ``B``,
the size of the record data it reads (the CEL specification's abstract size: one
per value, plus one per character of a string or byte of bytes), following the
specification's time model ("Performance" in the language definition) and what
this library does:

* an operation costs its operands' evaluation plus, where it walks a value, that
  value's size: ``==``, ``<`` and friends (the smaller side), ``in`` (the whole
  list), ``+`` (a copy of both sides), ``contains``/``startsWith``/``endsWith``,
  ``size()`` of a string, conversions;
* a comprehension runs its body once per element; in this library ``map`` and
  ``filter`` also copy their growing result at every step, which makes them
  quadratic in the list's length (measured: 16,000 items take six seconds);
* ``matches`` compiles its pattern at every call and, in the worst case, steps
  through every state of the compiled pattern for every character (the regex
  engine's PikeVM): the pattern must be a literal, whose size is estimated here.

The constant part (``B = 0``: literals only) is known when the policy is read and
must stay within ``BUDGET`` steps. The parts that grow with the record are checked
against each record's real size before the expression runs on it: at most
``BUDGET + PER_UNIT * B`` steps. A step is about one interpreter operation (tens
of nanoseconds; see tests/policy/test_cel_cost.py, which measures it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from itsmctl.policy.cel_regex import MAX_STATES, pattern_cost, string_value
from itsmctl.policy.cel_syntax import (
    Binary,
    Call,
    Comprehension,
    Conditional,
    Ident,
    Index,
    ListLiteral,
    Literal,
    Logical,
    MapLiteral,
    Node,
    Select,
    Struct,
    Unary,
    children,
)

BUDGET = 1_000_000  # steps per expression and record that do not depend on the record's size
PER_UNIT = 16  # further steps allowed per unit of the size of the record data an expression reads
COPY = 2  # steps per unit of size to copy a value: the library copies what it selects, indexes or binds
MAP_ITERATION = 8  # iterating a map costs as many steps as this many list elements per key (measured)

# Names that are types, not data: reading them costs nothing and they are small.
_TYPE_NAMES = frozenset({"int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type"})
_SIZE_OF_NUMBER_TEXT = 32  # string(1.5e300) and friends
_CHEAP = frozenset(
    {"type", "getFullYear", "getMonth", "getDate", "getDayOfMonth", "getDayOfWeek", "getDayOfYear", "getHours"}
    | {"getMinutes", "getSeconds", "getMilliseconds"}
)
_SEARCHES = frozenset({"contains", "startsWith", "endsWith"})
_CONVERSIONS = frozenset({"string", "bytes", "int", "uint", "double", "bool", "dyn", "timestamp", "duration"})


class CostError(ValueError):
    """An expression whose cost cannot be bounded, or is too high whatever the record."""


# --- polynomials in the sizes of the record's values and, inside a comprehension, of one element ---

Monomial = tuple[tuple[str, int], ...]  # (variable, power), sorted; () is the constant term
ELEMENT_NAME = "@element"  # the size of the comprehension variable's current element
COUNT = "#"  # "#spec.targets": the number of elements of the value at spec.targets


@dataclass(frozen=True)
class _Poly:
    terms: tuple[tuple[Monomial, int], ...]

    @staticmethod
    def of(mapping: dict[Monomial, int]) -> _Poly:
        return _Poly(tuple(sorted((k, v) for k, v in mapping.items() if v)))

    def __add__(self, other: _Poly) -> _Poly:
        merged = dict(self.terms)
        for key, value in other.terms:
            merged[key] = merged.get(key, 0) + value
        return _Poly.of(merged)

    def __mul__(self, other: _Poly) -> _Poly:
        product: dict[Monomial, int] = {}
        for first, c1 in self.terms:
            for second, c2 in other.terms:
                powers = dict(first)
                for name, power in second:
                    powers[name] = powers.get(name, 0) + power
                key = tuple(sorted(powers.items()))
                product[key] = product.get(key, 0) + c1 * c2
        return _Poly.of(product)

    def most(self, other: _Poly) -> _Poly:
        """An upper bound of both (coefficient by coefficient: every variable is at least zero)."""
        merged = dict(self.terms)
        for key, value in other.terms:
            merged[key] = max(merged.get(key, 0), value)
        return _Poly.of(merged)

    def least(self, other: _Poly) -> _Poly:
        """An upper bound of the smaller of the two: either one is; take the one that grows slower."""
        return min(self, other, key=lambda p: (p.degree, p.collapsed().at_size(10**6)))

    @property
    def degree(self) -> int:
        return max((sum(power for _, power in monomial) for monomial, _ in self.terms), default=0)

    def collapsed(self) -> CostBound:
        """Every variable replaced by B, the size of all the record data read.

        A value's size is at most B; a count (``#spec.m``) is at most B for a list, and at most
        MAP_ITERATION/2 times B for a map (each key is at least a value and a character).
        """
        coefficients = [0] * (self.degree + 1)
        for monomial, c in self.terms:
            for name, power in monomial:
                if name.startswith(COUNT):
                    c *= (MAP_ITERATION // 2) ** power
            coefficients[sum(power for _, power in monomial)] += c
        return CostBound(tuple(coefficients), self.terms)

    def per_element_sum(self, count: _Poly, range_size: _Poly) -> _Poly:
        """Σ over the elements of a range (``count`` of them, of total size ``range_size``) of this polynomial.

        A term without the element's size is paid once per element; a term in its k-th power sums
        to at most S^k, because the elements' sizes add up to at most the range's size S.
        """
        total = ZERO
        for monomial, c in self.terms:
            rest = tuple((name, power) for name, power in monomial if name != ELEMENT_NAME)
            power = dict(monomial).get(ELEMENT_NAME, 0)
            total = total + _Poly.of({rest: c}) * (count if power == 0 else _power(range_size, power))
        return total


def _power(base: _Poly, exponent: int) -> _Poly:
    result = ONE
    for _ in range(exponent):
        result = result * base
    return result


def _const(value: int) -> _Poly:
    return _Poly.of({(): value})


def _variable(name: str) -> _Poly:
    return _Poly.of({((name, 1),): 1})


ZERO, ONE, ELEMENT = _Poly(()), _const(1), _variable(ELEMENT_NAME)


# --- the bound ---------------------------------------------------------------------------------


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
        return (_Poly(self.terms) + _Poly(other.terms)).collapsed()


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
            count = len(value) if isinstance(value, list) else MAP_ITERATION * len(value) if isinstance(value, dict) else 0
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


def cost_bound(tree: Node) -> CostBound:
    """The bound for a parsed expression; CostError when it has none or it is too high for any record."""
    analysis = _Analysis()
    _, time = analysis.cost(tree)
    bound = time.collapsed()
    if bound.constant > BUDGET:
        costliest = max(analysis.parts, key=lambda part: part[1], default=None)
        where = f"; the costliest part is {costliest[0]} ({costliest[1]:,} steps)" if costliest else ""
        raise CostError(
            f"the expression costs up to {bound.constant:,} steps on every record, more than the limit of "
            f"{BUDGET:,}{where}: use smaller literals, or test membership with a map ({{'a': true}}) instead of a list"
        )
    return bound


class _Analysis:
    """Walks a syntax tree, giving every node a bound on its value's size and on its evaluation time."""

    def __init__(self) -> None:
        self.variable: str | None = None  # the comprehension variable while its body is analysed
        self.macro = ""
        self.parts: list[tuple[str, int]] = []  # (description, constant steps) of comprehensions and patterns

    def cost(self, node: Node) -> tuple[_Poly, _Poly]:
        """(size of the value, time to evaluate), both as polynomials."""
        if isinstance(node, Literal):
            return _const(node.size), ONE
        if isinstance(node, Ident):
            if node.name == self.variable:
                return ELEMENT, ONE
            return (ONE if node.name in _TYPE_NAMES else _variable(node.name)), ONE
        if isinstance(node, Select):
            path = self._record_path(node)
            size, time = self.cost(node.operand)
            if node.test:
                return ONE, time + ONE
            if path is not None:
                size = _variable(path)  # the value's own size: at most its container's, measured per record
            return size, time + ONE + _const(COPY) * size  # the library copies the value it selects
        if isinstance(node, Index):
            (size, time), (key_size, key_time) = self.cost(node.operand), self.cost(node.index)
            return size, time + key_time + key_size + _const(COPY) * size
        if isinstance(node, (ListLiteral, MapLiteral, Struct)):
            parts = [self.cost(child) for child in children(node)]
            size = sum((s for s, _ in parts), ONE)
            return size, sum((t + s for s, t in parts), ONE)
        if isinstance(node, Unary):
            _, time = self.cost(node.operand)
            return ONE, time + ONE
        if isinstance(node, Logical):
            times = [self.cost(operand)[1] + ONE for operand in node.operands]
            return ONE, sum(times, ZERO)
        if isinstance(node, Conditional):
            (_, condition), (then_size, then_time), (else_size, else_time) = (
                self.cost(node.condition),
                self.cost(node.then),
                self.cost(node.otherwise),
            )
            return then_size.most(else_size), condition + then_time.most(else_time) + ONE
        if isinstance(node, Binary):
            return self._binary(node)
        if isinstance(node, Call):
            return self._call(node)
        if isinstance(node, Comprehension):
            return self._comprehension(node)
        raise CostError(f"internal: no cost for {type(node).__name__}")  # pragma: no cover

    def _count(self, node: Node, size: _Poly) -> _Poly:
        """How many steps a comprehension's range takes to walk, in list elements.

        A list literal's length, a record value's length (measured per record, a map counted as
        MAP_ITERATION elements per key); for any other range, a bound from its size (a map has at
        most size/2 keys).
        """
        if isinstance(node, ListLiteral):
            return _const(len(node.elements))
        if isinstance(node, MapLiteral):
            return _const(MAP_ITERATION * len(node.entries))
        path = self._record_path(node)
        return _variable(COUNT + path) if path is not None else _const(MAP_ITERATION // 2) * size

    def _record_path(self, node: Node) -> str | None:
        """``spec.targets`` for a chain of field selections on a record variable (not on the comprehension's)."""
        if isinstance(node, Ident):
            return None if node.name == self.variable or node.name in _TYPE_NAMES else node.name
        if isinstance(node, Select) and not node.test:
            inner = self._record_path(node.operand)
            return None if inner is None else f"{inner}.{node.field}"
        return None

    def _binary(self, node: Binary) -> tuple[_Poly, _Poly]:
        (left_size, left_time), (right_size, right_time) = self.cost(node.left), self.cost(node.right)
        time = left_time + right_time + ONE
        if node.operator == "+":  # concatenation copies both sides
            return left_size + right_size, time + left_size + right_size
        if node.operator == "in":  # a list is searched element by element; a map hashes the key
            return ONE, time + right_size + right_size + left_size
        if node.operator in ("==", "!=", "<", "<=", ">", ">="):
            return ONE, time + left_size.least(right_size)
        return ONE, time  # arithmetic on numbers, durations and timestamps

    def _call(self, node: Call) -> tuple[_Poly, _Poly]:
        operands = ((node.target,) if node.target is not None else ()) + node.args
        parts = [self.cost(operand) for operand in operands]
        sizes = sum((s for s, _ in parts), ZERO)
        time = sum((t for _, t in parts), ONE)
        function = node.function
        if function == "matches" and len(operands) == 2:
            return ONE, time + self._pattern(operands[1], parts[0][0])
        if function in _SEARCHES or function == "size":
            return ONE, time + sizes
        if function in _CHEAP:
            return ONE, time + sizes
        if function in _CONVERSIONS:
            return sizes + _const(_SIZE_OF_NUMBER_TEXT), time + sizes
        # Any other function is not defined in this library (an error when called) or a type's
        # constructor; bound it as if it walked and returned all its arguments.
        return sizes + ONE, time + sizes

    def _pattern(self, pattern: Node, subject_size: _Poly) -> _Poly:
        if not (isinstance(pattern, Literal) and pattern.kind == "string"):
            raise CostError(
                "the pattern of matches() must be a string literal: a pattern taken from data can cost "
                "any amount of time to compile and run"
            )
        cost = pattern_cost(string_value(pattern.text))
        if cost.states > MAX_STATES:
            raise CostError(
                f"the pattern {pattern.text[:60]} is too large (about {cost.states:,} states, the limit is "
                f"{MAX_STATES:,}): matching steps through every state for every character"
            )
        self.parts.append((f"the pattern {pattern.text[:40]}", cost.compile_steps))
        return _const(cost.compile_steps) + _const(cost.states) * subject_size

    def _comprehension(self, node: Comprehension) -> tuple[_Poly, _Poly]:
        if self.variable is not None:
            raise CostError(
                f"a comprehension ({node.macro}) inside another ({self.macro}) is not allowed: nested comprehensions "
                "cost the product of the list sizes and can run for hours on large lists"
            )
        range_size, range_time = self.cost(node.range)
        count = self._count(node.range, range_size)
        self.variable, self.macro = node.variable, node.macro
        try:
            body = [self.cost(arg) for arg in node.args]
        finally:
            self.variable, self.macro = None, ""
        # The loop's own step, test and accumulation, and a copy of the element it binds to the variable.
        per_element = sum((time for _, time in body), _const(3) + _const(COPY) * ELEMENT)
        total = range_time + per_element.per_element_sum(count, range_size)
        if node.macro in ("map", "filter"):
            # The library appends with `result + [item]`, copying the result at every step: n²/2 copies.
            total = total + count * count
        self.parts.append((f"{node.macro}() at offset {node.at}", dict(total.terms).get((), 0)))
        if node.macro == "map":
            return body[-1][0].per_element_sum(count, range_size) + count, total
        if node.macro == "filter":
            return range_size, total
        return ONE, total


def describe(bound: CostBound, sizes: Mapping[str, int], size: int) -> str:
    largest = sorted(((v, path) for path, v in sizes.items() if v and path in bound.paths), reverse=True)[:3]
    shown = ", ".join(f"{path} has size {value:,}" for value, path in largest)
    return (
        f"it could take up to {bound.steps(sizes):,} steps ({shown}); the limit is "
        f"{allowed_steps(size):,} ({BUDGET:,} plus {PER_UNIT} per unit of the size of the data it reads, {size:,})"
    )

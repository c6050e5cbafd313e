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
* the library copies the value a field selection or an index returns, and the
  element a comprehension binds (measured: selecting a 10,000-key map costs
  0.7 ms), and walks a map's keys at about eight times a list element's cost;
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
of nanoseconds; tests/policy/test_cel_cost_benchmark.py measures it).
"""

from __future__ import annotations

from dataclasses import dataclass

from itsmctl.policy.cel_bound import BUDGET, COUNT, MAP_ITERATION, CostBound, Monomial, collapse
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

COPY = 2  # steps per unit of size to copy a value: the library copies what it selects, indexes or binds

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

ELEMENT_NAME = "@element"  # the size of the comprehension variable's current element


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
        return collapse(self.terms)

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
        if function in _SEARCHES or function in _CHEAP or function == "size":
            return ONE, time + sizes  # walks its operands at most once
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

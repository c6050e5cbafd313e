"""CEL expressions: compiled once, evaluated many times.

We use the Rust-backed ``common-expression-language`` package: a compiled
program evaluates against a record in tens of microseconds, where pure-Python
CEL takes milliseconds.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
from dataclasses import dataclass
from functools import cached_property, lru_cache
from types import ModuleType
from typing import Any

from itsmctl.policy.cel_bound import CostBound, RecordSizes
from itsmctl.policy.cel_cost import CostError, cost_bound
from itsmctl.policy.cel_syntax import CelSyntaxError, Comprehension, Ident, Node, Select, children, parse, walk


def _load_cel() -> ModuleType:
    """The compiled CEL extension, without the package's interactive CLI.

    ``import cel`` also imports ``cel.cli`` and prompt_toolkit, which costs
    ~0.2 s on every itsmctl start. Load the extension module itself when it is
    where the package puts it; otherwise fall back to the normal import.
    """
    spec = importlib.util.find_spec("cel")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            candidate = importlib.util.spec_from_file_location("cel.cel", f"{folder}/cel{suffix}")
            if candidate is None or candidate.loader is None:
                continue
            try:
                module = importlib.util.module_from_spec(candidate)
                candidate.loader.exec_module(module)
            except (ImportError, OSError):
                continue
            if hasattr(module, "compile") and hasattr(module, "Context"):
                return module
    import cel

    return cel


cel = _load_cel()


class CelError(ValueError):
    """An expression that does not compile or cannot be evaluated."""


TOO_COSTLY = "too costly for this record, not evaluated"


# What the CEL library raises when an expression fails on the data it is given:
# division or modulo by zero and int64 overflow (ArithmeticError), a missing map key
# or list index (LookupError), no such overload (TypeError), a bad argument to a
# function (RuntimeError, ValueError). All of them are the expression's fault, never
# ours, so all are CelError. A panic inside the Rust library (pyo3's PanicException,
# a BaseException) is one too: an expression must never take the whole run down.
_EVALUATION_ERRORS = (ArithmeticError, LookupError, RuntimeError, TypeError, ValueError)


def _is_panic(error: BaseException) -> bool:
    return type(error).__name__ == "PanicException"


def _evaluation_message(error: BaseException) -> str:
    if isinstance(error, KeyError):
        return f"no such field or key: {_first_line(str(error))}"
    return _first_line(str(error))


@dataclass(frozen=True)
class Expression:
    source: str
    program: Any
    cost: CostBound

    @cached_property
    def variables(self) -> frozenset[str]:
        """Names the expression reads (comprehension variables included)."""
        return frozenset(self.program.variables())

    def check_cost(self, sizes: RecordSizes) -> None:
        """CelError when the expression could cost more than the limit on this record's data.

        The sizes are only measured for expressions whose cost can outgrow the allowance.
        """
        reason = sizes.over_budget(self.cost, self.variables)
        if reason is not None:
            raise CelError(f"{TOO_COSTLY}: {reason}")

    def evaluate(self, context: Any) -> object:
        """The expression's value; any failure on this data is a CelError with a readable message."""
        try:
            return self.program.execute(context)
        except _EVALUATION_ERRORS as error:
            raise CelError(_evaluation_message(error)) from None
        except BaseException as error:
            if _is_panic(error):
                raise CelError(f"the CEL library failed on this expression: {_first_line(str(error))}") from None
            raise


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "evaluation failed"


# The library's parser crashes the whole process (a stack overflow) on chains of about 10,000
# operators; nothing that long reaches it. The same limit as the policy schema's maxLength.
MAX_EXPRESSION_LENGTH = 4_000
MAX_COMPREHENSIONS = 8


def _check_length(source: str) -> None:
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise CelError(f"the expression is {len(source):,} characters long; the limit is {MAX_EXPRESSION_LENGTH:,}")


def check_bounded(source: str) -> CostBound:
    """The expression's cost bound; CelError for what could run unbounded.

    CEL always terminates, but nested macros cost the product of the list sizes
    (three levels over a thousand-item list is a billion steps), an operation on a
    list inside a comprehension over a list is quadratic, and an evaluation cannot
    be interrupted. The structure is read by a parser that follows CEL's grammar
    (``cel_syntax``), never by patterns over the text, so no string literal can hide
    code from the check; the cost is bounded by ``cel_cost``.
    """
    _check_length(source)
    return _bound(syntax_tree(source))


def _bound(tree: Node) -> CostBound:
    count = sum(1 for node in walk(tree) if isinstance(node, Comprehension))
    try:
        bound = cost_bound(tree)
    except CostError as error:
        raise CelError(str(error)) from None
    if count > MAX_COMPREHENSIONS:
        raise CelError(f"more than {MAX_COMPREHENSIONS} comprehensions in one expression")
    return bound


@lru_cache(maxsize=4096)
def syntax_tree(source: str) -> Node:
    try:
        return parse(source)
    except CelSyntaxError as error:
        raise CelError(str(error)) from None


def _library_compile(source: str) -> Any:
    try:
        return cel.compile(source)
    except (ValueError, RuntimeError, TypeError) as error:
        message = str(error).replace("\n", " ").strip()
        # The library prefixes the whole expression; keep the parser's words.
        if "ERROR:" in message:
            message = message.split("ERROR:", 1)[1].strip()
        raise CelError(message) from None


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> Expression:
    """The compiled expression with its cost bound; CelError if it does not compile or is not bounded.

    The length comes first (the library's parser must never see what could crash it); then
    the library speaks for syntax errors, in its own words; then the cost is bounded.
    """
    _check_length(source)
    try:
        tree = parse(source)
    except CelSyntaxError as error:
        if "levels deep" not in str(error):
            _library_compile(source)  # its words for a syntax error, if it sees one
        raise CelError(f"cannot read this expression to bound its cost: {error}") from None
    program = _library_compile(source)
    return Expression(source, program, _bound(tree))


def compile_combined(source: str, parts: list[Expression]) -> Expression:
    """An expression the caller built from ``parts`` that are bounded already (``[(a) ? (b) : true, ...]``).

    Only the library compiles it, and it costs at most the sum of its parts.
    """
    bound = CostBound((0,))
    for part in parts:
        bound = bound + part.cost
    return Expression(source, _library_compile(source), bound)


def activation(variables: dict[str, object]) -> Any:
    """A reusable evaluation context (the library converts the values once)."""
    return cel.Context(variables=variables)


def field_projection(sources: list[str], names: frozenset[str]) -> dict[str, frozenset[str] | None]:
    """For each variable in ``names``: the top-level fields the expressions can observe.

    ``None`` means the whole value is needed: the variable is used other than
    as ``var.field`` (indexed, compared, passed to a function or macro). When
    every use is ``var.field``, the other fields cannot affect the result, so
    only these need converting to CEL. Read from the syntax tree: a name inside a
    string literal is no use, and a use is never mistaken for text.
    """
    fields: dict[str, set[str] | None] = {name: set() for name in names}
    for source in sources:
        _record_uses(syntax_tree(source), fields)
    return {name: (frozenset(value) if value is not None else None) for name, value in fields.items()}


def _record_uses(node: Node, fields: dict[str, set[str] | None]) -> None:
    if isinstance(node, Select) and isinstance(node.operand, Ident) and node.operand.name in fields:
        known = fields[node.operand.name]
        if known is not None:
            known.add(node.field)
        return
    if isinstance(node, Ident) and node.name in fields:
        fields[node.name] = None  # the whole value: `spec`, `spec[...]`, `spec.all(...)`, `x in spec`
        return
    for child in children(node):
        _record_uses(child, fields)

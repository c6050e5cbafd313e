"""CEL expressions: compiled once, evaluated many times.

We use the Rust-backed ``common-expression-language`` package: a compiled
program evaluates against a record in tens of microseconds, where pure-Python
CEL takes milliseconds.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Any


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

    @property
    def variables(self) -> frozenset[str]:
        """Names the expression reads (comprehension variables included)."""
        return frozenset(self.program.variables())

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


_MACRO = re.compile(r"\.\s*(all|exists|exists_one|map|filter)\s*\(")
MAX_COMPREHENSIONS = 8


def check_bounded(source: str) -> None:
    """Refuse comprehensions inside comprehensions.

    CEL always terminates, but nested macros cost the product of the list
    sizes: three levels over a thousand-item list is a billion steps, and an
    evaluation cannot be interrupted. One level is linear in the data.
    """
    code = _STRING.sub("''", source)
    open_macros: list[int] = []  # paren depth at which each open macro's arguments end
    depth = 0
    count = 0
    index = 0
    while index < len(code):
        match = _MACRO.match(code, index) if code[index] == "." else None
        if match:
            count += 1
            if open_macros:
                raise CelError(
                    f"a comprehension ({match.group(1)}) inside another is not allowed: it can run for ever on large lists"
                )
            depth += 1
            open_macros.append(depth)
            index = match.end()
            continue
        if code[index] == "(":
            depth += 1
        elif code[index] == ")":
            if open_macros and open_macros[-1] == depth:
                open_macros.pop()
            depth -= 1
        index += 1
    if count > MAX_COMPREHENSIONS:
        raise CelError(f"more than {MAX_COMPREHENSIONS} comprehensions in one expression")


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> Expression:
    check_bounded(source)
    try:
        return Expression(source, cel.compile(source))
    except (ValueError, RuntimeError, TypeError) as error:
        message = str(error).replace("\n", " ").strip()
        # The library prefixes the whole expression; keep the parser's words.
        if "ERROR:" in message:
            message = message.split("ERROR:", 1)[1].strip()
        raise CelError(message) from None


def activation(variables: dict[str, object]) -> Any:
    """A reusable evaluation context (the library converts the values once)."""
    return cel.Context(variables=variables)


_STRING = re.compile(r"""(?s)[rRbB]*('{3}.*?'{3}|\"{3}.*?\"{3}|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")""")
_IDENTIFIER_USE = re.compile(r"(?<![\w.])([A-Za-z_]\w*)(\s*\.\s*([A-Za-z_]\w*)(\s*\()?)?")


def field_projection(sources: list[str], names: frozenset[str]) -> dict[str, frozenset[str] | None]:
    """For each variable in ``names``: the top-level fields the expressions can observe.

    ``None`` means the whole value is needed: the variable is used other than
    as ``var.field`` (indexed, compared, passed to a function or macro). When
    every use is ``var.field``, the other fields cannot affect the result, so
    only these need converting to CEL.
    """
    fields: dict[str, set[str] | None] = {name: set() for name in names}
    for source in sources:
        code = _STRING.sub("''", source)
        for match in _IDENTIFIER_USE.finditer(code):
            name, field, call = match.group(1), match.group(3), match.group(4)
            if name not in fields or fields[name] is None:
                continue
            if field is None or call is not None:
                fields[name] = None  # whole value: `spec`, `spec[...]`, `spec.all(...)`
            else:
                fields[name].add(field)  # type: ignore[union-attr]
    return {name: (frozenset(value) if value is not None else None) for name, value in fields.items()}

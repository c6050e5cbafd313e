"""CEL's syntax: a tokenizer and parser that read an expression as the CEL library does.

The ``common-expression-language`` package compiles expressions in Rust and exposes
no syntax tree, yet bounding an expression's cost needs its real structure: which
list a comprehension ranges over, what runs inside it, which text is a string. So
this module reads CEL itself, following the lexer and grammar the library is built
from (``CEL.g4`` of cel-go, used by cel-rust; the lexis is the language
definition's, https://github.com/google/cel-spec/blob/master/doc/langdef.md):
raw strings (``r'\\'`` is one backslash), triple-quoted strings, bytes literals,
escapes, ``//`` comments, and the same macros (``all``, ``exists``,
``exists_one``/``existsOne``, ``map`` with two or three arguments, ``filter``,
``has``) at the same argument counts. Whatever this parser reads differently from
the library is a defect; the tests compare the two on generated expressions.

The tree is for analysis only: it keeps what decides the cost and the names an
expression reads, not every detail needed to evaluate it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from itsmctl.policy.cel_tokens import CelSyntaxError, Token, literal_size, tokenize

MAX_DEPTH = 128  # levels of the syntax tree (a chain of `+` is as deep as it is long)
MAX_NESTING = 64  # brackets and parentheses; the CEL spec asks implementations for at least 32


T = TypeVar("T")


# --- the tree -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Node:
    depth: int


@dataclass(frozen=True, slots=True)
class Literal(Node):
    kind: str  # int, uint, double, string, bytes, bool, null
    size: int
    text: str


@dataclass(frozen=True, slots=True)
class Ident(Node):
    name: str  # with its leading dot, if written


@dataclass(frozen=True, slots=True)
class Select(Node):
    operand: Node
    field: str
    test: bool  # has(operand.field)


@dataclass(frozen=True, slots=True)
class Index(Node):
    operand: Node
    index: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    target: Node | None
    function: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class ListLiteral(Node):
    elements: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class MapLiteral(Node):
    entries: tuple[tuple[Node, Node], ...]


@dataclass(frozen=True, slots=True)
class Struct(Node):
    type_name: str
    fields: tuple[tuple[str, Node], ...]


@dataclass(frozen=True, slots=True)
class Unary(Node):
    operator: str  # ! or -
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    operator: str  # * / % + - < <= >= > == != in
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Logical(Node):
    operator: str  # && or ||; a chain is one node, as the library folds it
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Conditional(Node):
    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Comprehension(Node):
    macro: str  # all, exists, exists_one, existsOne, map, filter
    at: int  # offset of the macro's name
    range: Node
    variable: str
    args: tuple[Node, ...]  # (predicate,), (transform,) or, for map with three arguments, (filter, transform)


# The library's macros by (name, argument count); any other call is an ordinary function call.
RECEIVER_MACROS = frozenset(
    {("all", 2), ("exists", 2), ("exists_one", 2), ("existsOne", 2), ("map", 2), ("map", 3), ("filter", 2)}
)


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, (Select,)):
        return (node.operand,)
    if isinstance(node, Index):
        return (node.operand, node.index)
    if isinstance(node, Call):
        return ((node.target,) if node.target else ()) + node.args
    if isinstance(node, ListLiteral):
        return node.elements
    if isinstance(node, MapLiteral):
        return tuple(part for entry in node.entries for part in entry)
    if isinstance(node, Struct):
        return tuple(value for _, value in node.fields)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Logical):
        return node.operands
    if isinstance(node, Conditional):
        return (node.condition, node.then, node.otherwise)
    if isinstance(node, Comprehension):
        return (node.range, *node.args)
    return ()


def walk(tree: Node) -> Iterator[Node]:
    """Every node of the tree."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(children(node))


def _depth(*nodes: Node | None) -> int:
    depth = 1 + max((n.depth for n in nodes if n is not None), default=0)
    if depth > MAX_DEPTH:
        raise CelSyntaxError(f"the expression nests more than {MAX_DEPTH} levels deep")
    return depth


# --- the parser (recursive descent over CEL.g4) --------------------------------------------------

# Binary operators by precedence (higher binds tighter); all associate to the left.
_PRECEDENCE = {"||": 1, "&&": 2, "<": 3, "<=": 3, ">=": 3, ">": 3, "==": 3, "!=": 3, "in": 3}
_PRECEDENCE |= {"+": 4, "-": 4, "*": 5, "/": 5, "%": 5}


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.position = 0
        self.nesting = 0

    @property
    def peek(self) -> Token:
        return self.tokens[self.position]

    def take(self, kind: str | None = None) -> Token:
        token = self.tokens[self.position]
        if kind is not None and token.kind != kind:
            found = token.text or "the end"
            raise CelSyntaxError(f"expected {kind!r} at offset {token.at}, found {found!r}")
        self.position += 1
        return token

    def accept(self, kind: str) -> bool:
        if self.peek.kind == kind:
            self.position += 1
            return True
        return False

    def refuse_optional(self) -> None:
        if self.peek.kind == "?":
            raise CelSyntaxError(f"unsupported syntax '?' at offset {self.peek.at}")

    def parse(self) -> Node:
        node = self.expr()
        self.take("end")
        return node

    def expr(self) -> Node:
        # Each nesting level costs a few Python frames: bounded well below the interpreter's limit
        # (and below the library's own limit, which refuses about a hundred levels).
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise CelSyntaxError(f"the expression nests more than {MAX_NESTING} levels deep")
        node = self.binary(1)
        if self.accept("?"):
            then = self.binary(1)
            self.take(":")
            otherwise = self.expr()
            node = Conditional(_depth(node, then, otherwise), node, then, otherwise)
        self.nesting -= 1
        return node

    def binary(self, least: int) -> Node:
        node = self.unary()
        while (precedence := _PRECEDENCE.get(self.peek.kind, 0)) >= least:
            operator = self.take().kind
            right = self.binary(precedence + 1)
            if operator in ("&&", "||"):
                # A chain is one node, as the library folds it: its length is no depth.
                left = node.operands if isinstance(node, Logical) and node.operator == operator else (node,)
                operands = (*left, right)
                node = Logical(_depth(*operands), operator, operands)
            else:
                node = Binary(_depth(node, right), operator, node, right)
        return node

    def unary(self) -> Node:
        # `-1` is a literal (the grammar's first choice); `--1` and `!!x` are a run of one operator, and
        # the library folds a run of even length away, as cel-go does.
        if self.peek.kind == "-" and self.tokens[self.position + 1].kind in ("int", "double"):
            return self.member()
        operators: list[str] = []
        while self.peek.kind in ("!", "-") and (not operators or self.peek.kind == operators[0]):
            operators.append(self.take().kind)
        node = self.member()
        if len(operators) % 2:
            node = Unary(_depth(node), operators[0], node)
        return node

    def member(self) -> Node:
        node = self.primary()
        while True:
            if self.accept("."):
                self.refuse_optional()
                if self.peek.kind == "escident":
                    raise CelSyntaxError(f"unsupported syntax '`' at offset {self.peek.at}")  # as the library says
                name = self.take("ident")
                if self.peek.kind == "(":
                    node = self.call(node, name)
                else:
                    node = Select(_depth(node), node, name.text, False)
            elif self.accept("["):
                self.refuse_optional()
                index = self.expr()
                self.take("]")
                node = Index(_depth(node, index), node, index)
            elif self.peek.kind == "{" and (type_name := _qualified_name(node)) is not None:
                node = self.struct(type_name)
            else:
                return node

    def call(self, target: Node | None, name: Token) -> Node:
        self.take("(")
        args = self.items(")", self.expr)
        function = name.text
        if target is None and function == "has" and len(args) == 1:
            inner = args[0]
            if not isinstance(inner, Select) or inner.test:
                raise CelSyntaxError(f"invalid argument to has() at offset {name.at}")
            return Select(inner.depth, inner.operand, inner.field, True)
        if target is not None and (function, len(args)) in RECEIVER_MACROS:
            variable = args[0]
            if not isinstance(variable, Ident) or variable.name.startswith("."):
                raise CelSyntaxError(f"the first argument of {function}() must be a simple name, at offset {name.at}")
            return Comprehension(_depth(target, *args), function, name.at, target, variable.name, args[1:])
        return Call(_depth(target, *args), target, function, args)

    def items(self, closing: str, item: Callable[[], T], trailing_comma: bool = False) -> tuple[T, ...]:
        """``item (, item)*`` up to ``closing``; list, map and message literals may end with a comma."""
        found: list[T] = []
        if trailing_comma:
            self.refuse_optional()
            if self.accept(",") or self.peek.kind == closing:
                self.take(closing)  # `[]` or `[,]`
                return ()
        elif self.accept(closing):
            return ()
        while True:
            found.append(item())
            if self.accept(closing):
                return tuple(found)
            self.take(",")
            if trailing_comma:
                if self.accept(closing):
                    return tuple(found)
                self.refuse_optional()

    def entry(self) -> tuple[Node, Node]:
        key = self.expr()
        self.take(":")
        return key, self.expr()

    def field(self) -> tuple[str, Node]:
        if self.peek.kind == "escident":
            raise CelSyntaxError(f"unsupported syntax '`' at offset {self.peek.at}")
        name = self.take("ident")
        self.take(":")
        return name.text, self.expr()

    def struct(self, type_name: str) -> Node:
        self.take("{")
        fields = self.items("}", self.field, trailing_comma=True)
        return Struct(_depth(*(value for _, value in fields)), type_name, fields)

    def primary(self) -> Node:
        token = self.peek
        if token.kind in (".", "ident"):
            leading = "." if self.accept(".") else ""
            name = self.take("ident")
            if self.peek.kind != "(":
                return Ident(1, leading + name.text)
            if not leading:
                return self.call(None, name)
            self.take("(")
            args = self.items(")", self.expr)
            return Call(_depth(*args), None, leading + name.text, args)
        if self.accept("("):
            inner = self.expr()
            self.take(")")
            return inner
        if self.accept("["):
            elements = self.items("]", self.expr, trailing_comma=True)
            return ListLiteral(_depth(*elements), elements)
        if self.accept("{"):
            entries = self.items("}", self.entry, trailing_comma=True)
            return MapLiteral(_depth(*(part for entry in entries for part in entry)), entries)
        if token.kind == "-" and self.tokens[self.position + 1].kind in ("int", "double"):
            self.take()
            number = self.take()
            return Literal(1, number.kind, 1, "-" + number.text)
        if token.kind in ("int", "uint", "double", "bool", "null"):
            self.take()
            return Literal(1, token.kind, 1, token.text)
        if token.kind in ("string", "bytes"):
            self.take()
            return Literal(1, token.kind, literal_size(token) + 1, token.text)
        raise CelSyntaxError(f"unexpected {token.text or 'end of expression'!r} at offset {token.at}")


def _qualified_name(node: Node) -> str | None:
    """``a.b.C`` when the node is a chain of plain names (a message type's name), else None."""
    if isinstance(node, Ident):
        return node.name
    if isinstance(node, Select) and not node.test:
        inner = _qualified_name(node.operand)
        return None if inner is None else f"{inner}.{node.field}"
    return None


def parse(source: str) -> Node:
    """The syntax tree of a CEL expression; CelSyntaxError when it is not one this parser reads."""
    return _Parser(source).parse()

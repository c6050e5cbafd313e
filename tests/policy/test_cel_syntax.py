"""cel_syntax reads every expression as the CEL library does: same acceptance, same names, same macros.

The library exposes no syntax tree, but it tells which names an expression reads
(``variables()``) and which functions and operators it calls (``functions()``,
macros expanded). A misread token (a string that ends elsewhere, a comment that is
code) changes one of these, so comparing them on hostile generated text shows the
tokenizer and parser agree with the library's.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itsmctl.policy.cel import CelError, cel, check_bounded
from itsmctl.policy.cel_syntax import (
    Binary,
    Call,
    CelSyntaxError,
    Comprehension,
    Conditional,
    Ident,
    Index,
    Logical,
    Node,
    Unary,
    parse,
    tokenize,
    walk,
)

SETTINGS = settings(
    max_examples=400, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)

# What the library's macro expansion calls, per macro (cel-rust parser/macros.rs).
_MACRO_CALLS = {
    "all": {"@not_strictly_false", "_&&_"},
    "exists": {"@not_strictly_false", "!_", "_||_"},
    "exists_one": {"_+_", "_==_", "_?_:_"},
    "existsOne": {"_+_", "_==_", "_?_:_"},
    "filter": {"_+_", "_?_:_"},
}


def names(tree: Node) -> tuple[set[str], set[str]]:
    """(variables, functions) of our tree, named as the library names them."""
    variables: set[str] = set()
    functions: set[str] = set()
    for node in walk(tree):
        if isinstance(node, Ident):
            variables.add(node.name)
        elif isinstance(node, Call):
            functions.add(node.function)
        elif isinstance(node, Binary):
            functions.add("@in" if node.operator == "in" else f"_{node.operator}_")
        elif isinstance(node, Unary):
            functions.add(f"{node.operator}_")
        elif isinstance(node, Logical):
            functions.add(f"_{node.operator}_")
        elif isinstance(node, Conditional):
            functions.add("_?_:_")
        elif isinstance(node, Index):
            functions.add("_[_]")
        elif isinstance(node, Comprehension):
            if node.macro == "filter":
                variables.add(node.variable)  # its expansion appends [variable] to the result
            if node.macro == "map":
                functions |= {"_+_", "_?_:_"} if len(node.args) == 2 else {"_+_"}
            else:
                functions |= _MACRO_CALLS[node.macro]
    return variables, functions


def library_reading(source: str) -> tuple[set[str], set[str]] | None:
    try:
        program = cel.compile(source)
    except (ValueError, RuntimeError, TypeError):
        return None
    return set(program.variables()), set(program.functions())


def our_reading(source: str) -> tuple[set[str], set[str]] | None:
    try:
        return names(parse(source))
    except CelSyntaxError:
        return None


CASES = [
    "[1].all(x, x in [2]) && a.b.c(d) + size(e) - f.g[h] ? i : -1",
    "has(a.b) && a.map(x, y, z).filter(q, q) != 1",
    r"r'\\' + 'x' + b'\xff' + '''y'''",
    "a.exists_one(k, true) || .z.w",
    "Foo{a: 1}.b",
    "a.b{c: 1}",
    "int(1) + dyn(x) + type(y) == string",
    "!x && -y < 1 % 2 / 3 * 4",
    "[1,2,]",
    "{'a':1,}",
    "[,]",
    "{,}",
    "1 in [1] in [true]",
    "a ? b : c ? d : e",
    "!-1",
    "--1",
    "- 1",
    "!!x",
    "[1].existsOne(x, true)",
    "[1].map(x)",
    "[1].all(x, true, true)",
    "'''a\nb'''",
    "r'''a\\'''",
    "'''a\\''''",
    "00",
    "0x1Fu",
    ".5e3",
    "5.e3",
    "1.e",
    "'\\123'",
    "'\\`' + '\\?'",
    "a // comment ' \n + b",
    "a\r\n+1",
    "a\x0c+1",
    "null.a",
    "true.a",
    "1.a()",
    "a.as",
    "bR'x'",
    "Br'''x'''",
    'R"""a\nb"""',
    "'\t'",
    "'\u2028'",
    ".f(1)",
    "x.f(1, 2)",
    "r'\\' == '' || a.all(x, b.all(y, true))",
    "'\\'' + a + '\\''",
    '"\\"" + a',
    "a['b'][0].c",
]

REJECTED = [
    "a.`b-c`", "`a`", "'a\nb'", '"""a""""', "0x", "1e", "1.0u", "1..2", "a.1", "'\\z'", "'\\1'", "'\\x4'", "'\\u12'",
    "a /* c */", "a\x0b+1", "a\u00a0+1", "é", "in.a", "a.true", "a.in", "()", "a b", "a..b", "a.(b)", "-", "!", "?",
    "a ? b", "a : b", "a && || b", "'a' 'b'", "Rb'x'", "rB'x'", "bb'x'", "u'x'", "1u8", "1_000", "", "//", "a[?0]",
    "a.?b", "[?1]", "{?1:2}", "a(1)(2)", "(a)(1)", "-!true", "has(a)", "has(a[0])", "[1].all(1, true)",
    "[1].all(x.y, true)", "[1,,2]", "f(1,)",
]  # fmt: skip


@pytest.mark.parametrize("source", CASES)
def test_we_read_what_the_library_reads(source: str) -> None:
    assert library_reading(source) is not None, "the case is meant to be valid CEL"
    assert our_reading(source) == library_reading(source)


@pytest.mark.parametrize("source", REJECTED)
def test_we_refuse_what_the_library_refuses(source: str) -> None:
    assert library_reading(source) is None, "the case is meant to be invalid CEL"
    assert our_reading(source) is None


# --- hostile text: fragments that confuse a reader that does not know CEL's lexis ---------------

_FRAGMENTS = [
    "'", '"', "'''", '"""', "\\", "\\\\", "\\'", '\\"', "r", "R", "b", "B", "br", "x", "u", "0", "1", "7", "0x",
    "9u", ".5", "e3", " ", "\n", "\r", "\t", "//", "/", "*", ".", ",", "(", ")", "[", "]", "{", "}", ":", "?",
    "!", "-", "+", "==", "&&", "||", "<", "in ", "a", "b1", "_c", "true", "null", ".all(", ".exists(", ".map(",
    ".filter(", "has(", "size(", "\\x41", "\\u00e9", "\\101", "\\n", "`", "é", "\x00",
]  # fmt: skip


@SETTINGS
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=24).map("".join))
def test_on_hostile_text_we_accept_and_read_exactly_what_the_library_does(source: str) -> None:
    assert our_reading(source) == library_reading(source)


# --- generated valid expressions with hostile string literals ---------------------------------

_TEXT = st.lists(st.sampled_from([*"ab '\"\\\n\r\t`/.(),x{}", ".all(", "é", "\x00", "'''", '"""']), max_size=12).map(
    "".join
)


def _quoted(text: str, quote: str) -> str:
    escapes = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", quote: "\\" + quote}
    return quote + "".join(escapes.get(char, char) for char in text) + quote


@st.composite
def string_literals(draw: st.DrawFn) -> str:
    text = draw(_TEXT)
    form = draw(st.sampled_from(["single", "double", "triple", "raw", "raw-triple"]))
    prefix = draw(st.sampled_from(["", "b", "B"]))
    if form == "single":
        return prefix + _quoted(text, "'")
    if form == "double":
        return prefix + _quoted(text, '"')
    if form == "triple":
        body = text.replace("\\", "\\\\").replace("'", "\\'")
        return prefix + "'''" + body + "'''"
    raw = draw(st.sampled_from(["r", "R"]))
    if form == "raw":
        quote = "'" if "'" not in text else '"'
        body = text.replace("\n", "").replace("\r", "").replace(quote, "")
        return prefix + raw + quote + body + quote
    # A raw triple-quoted string cannot hold its quote three times or end in it; the library's lexer
    # never matches NUL with the grammar's `.` there.
    body = text.replace("'", "").replace("\x00", "")
    return prefix + raw + "'''" + body + "'''"


_NAMES = st.sampled_from(["a", "b", "spec", "x", "_y"])


def expressions() -> st.SearchStrategy[str]:
    leaves = st.one_of(string_literals(), _NAMES, st.sampled_from(["1", "2u", "1.5", "true", "null", "-3"]))

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from([" + ", " == ", " && ", " || ", " in ", " < ", "*"]), inner).map("".join),
            st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} ? {t[1]} : {t[2]}"),
            inner.map(lambda e: f"({e})"),
            inner.map(lambda e: f"!({e})"),
            st.tuples(inner, _NAMES).map(lambda t: f"({t[0]}).{t[1]}"),
            st.tuples(_NAMES, inner).map(lambda t: f"{t[0]}.size({t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"[{t[0]}, {t[1]}]"),
            st.tuples(inner, inner).map(lambda t: f"{{{t[0]}: {t[1]}}}"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]})[{t[1]}]"),
            st.tuples(_NAMES, inner).map(lambda t: f"has({t[0]}.f) && {t[1]}"),
            st.tuples(inner, st.sampled_from(["all", "exists", "exists_one", "filter", "map"]), inner).map(
                lambda t: f"({t[0]}).{t[1]}(v, {t[2]})"
            ),
            st.tuples(inner, string_literals()).map(lambda t: f"{t[0]} // {t[1]}\n"),
        )

    return st.recursive(leaves, extend, max_leaves=12)


@SETTINGS
@given(expressions())
def test_generated_expressions_read_the_same_whatever_their_strings_hold(source: str) -> None:
    library = library_reading(source)
    if library is None:  # e.g. a map literal with a duplicate key, or a value the library refuses to hold
        return
    assert our_reading(source) == library


@SETTINGS
@given(st.lists(string_literals(), min_size=1, max_size=4))
def test_no_string_literal_hides_a_nested_comprehension(strings: list[str]) -> None:
    soup = " + ".join(strings)
    nested = f"[1, 2].all(x, ({soup}) != '' && [3].exists(y, ({soup}) == '') && ({soup}) == '')"
    flat = f"[1, 2].all(x, ({soup}) != '') && [3].exists(y, ({soup}) == '')"
    assert library_reading(nested) is not None and library_reading(flat) is not None
    with pytest.raises(CelError, match="inside another"):
        check_bounded(nested)
    check_bounded(flat)


def test_tokens_of_raw_triple_and_bytes_literals() -> None:
    kinds = [(token.kind, token.text) for token in tokenize(r"r'\' + b'\'' + '''a'b''' + br'\\'")]
    assert kinds == [
        ("string", r"r'\'"),
        ("+", "+"),
        ("bytes", r"b'\''"),
        ("+", "+"),
        ("string", "'''a'b'''"),
        ("+", "+"),
        ("bytes", r"br'\\'"),
        ("end", ""),
    ]


def test_deep_nesting_is_refused_before_it_reaches_any_parser() -> None:
    with pytest.raises(CelSyntaxError, match="levels deep"):
        parse("(" * 70 + "1" + ")" * 70)
    with pytest.raises(CelSyntaxError, match="levels deep"):
        parse(" + ".join(["1"] * 200))
    parse(" && ".join(["true"] * 1000))  # a chain of && is one node, as the library folds it

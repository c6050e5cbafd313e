"""The safe loader: every bad input is a located problem, never a crash, hang or constructed object.

Lines and columns are 1-based, as every finding shows them.
"""

from __future__ import annotations

import os
import textwrap
import time

import pytest

from itsmctl.load.safe_yaml import (
    MAX_ALIAS_CHARACTERS,
    MAX_ALIAS_EXPANSION,
    MAX_DEPTH,
    YamlDocument,
    YamlProblem,
    load_documents,
)


def located(text: str) -> list[tuple[str, int, int]]:
    """(rule, line, column) of every problem found in ``text``."""
    return [(p.rule, p.line, p.column) for p in load_documents(text)[1]]


def only_document(text: str) -> object:
    documents, problems = load_documents(text)
    assert problems == [], problems
    (document,) = documents
    return document.data


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# --- plain values ---------------------------------------------------------------------


def test_plain_values_are_built_and_keys_stay_source_text() -> None:
    data = only_document(
        dedent(
            """
            on: yes
            off: no
            yes: 1
            1: 2
            1.0: f
            ~: null key
            2026-12-01: date key
            when: 2026-12-01T10:00:00+01:00
            day: 2026-12-01
            n: ~
            f: 1.5
            quoted: '1'
            list: [a, 'b', 3]
            """
        )
    )
    assert data == {
        "on": "yes",  # YAML 1.2: only true and false are booleans (see test_yaml_scalars)
        "off": "no",
        "yes": 1,
        "1": 2,
        "1.0": "f",
        "~": "null key",
        "2026-12-01": "date key",
        "when": "2026-12-01T10:00:00+01:00",
        "day": "2026-12-01",
        "n": None,
        "f": 1.5,
        "quoted": "1",
        "list": ["a", "b", 3],
    }
    assert all(isinstance(key, str) for key in data)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text, value",
    [
        ("a: 2026-02-30\n", "2026-02-30"),  # no such day: still a string, checked later with its path
        ("a: 2026-12-01 22:00:00Z\n", "2026-12-01 22:00:00Z"),
        ("a: !!timestamp 2020-01-01\n", "2020-01-01"),
    ],
)
def test_timestamps_stay_strings(text: str, value: str) -> None:
    assert only_document(text) == {"a": value}


def test_core_schema_tags_are_allowed() -> None:
    assert only_document("a: !!str 1\nb: !!int '2'\nc: !!float 1\nd: !!map {x: 1}\ne: !!seq [1]\n") == {
        "a": "1",
        "b": 2,
        "c": 1.0,
        "d": {"x": 1},
        "e": [1],
    }


def test_aliases_within_limits_are_expanded() -> None:
    data = only_document("a: &x [1, 2]\nb: *x\nc: &v hello\nd: *v\n")
    assert data == {"a": [1, 2], "b": [1, 2], "c": "hello", "d": "hello"}


# --- duplicate keys -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a: 1\nb: 2\na: 3\n", [("duplicate-key", 3, 1)]),
        ("spec:\n  b: 1\n  c: 2\n  b: 3\n", [("duplicate-key", 4, 3)]),
        ("items:\n  - x: 1\n    y: 2\n    x: 3\n", [("duplicate-key", 4, 5)]),
        ("- a: 1\n  a: 2\n", [("duplicate-key", 2, 3)]),
        ("a: {x: 1, x: 2}\n", [("duplicate-key", 1, 11)]),
        ("on: 1\n'on': 2\n", [("duplicate-key", 2, 1)]),  # the same key, quoted or not
        ("a: 1\na: 2\na: 3\n", [("duplicate-key", 2, 1), ("duplicate-key", 3, 1)]),
    ],
    ids=["top-level", "nested", "list-item", "compact-list-item", "flow", "quoted", "three-times"],
)
def test_duplicate_keys_are_located(text: str, expected: list[tuple[str, int, int]]) -> None:
    assert located(text) == expected


def test_duplicate_key_message_names_the_first_occurrence_and_the_document_still_loads() -> None:
    documents, (problem,) = load_documents("spec:\n  owner: a\n  tier: 1\n  owner: b\n")
    assert "'owner'" in problem.message and "first at line 2" in problem.message
    assert problem.hint
    # The document is kept (with the last value, as YAML would): later checks still see it.
    assert [d.data for d in documents] == [{"spec": {"owner": "b", "tier": 1}}]


def test_same_key_in_different_mappings_or_documents_is_not_a_duplicate() -> None:
    documents, problems = load_documents("a: {x: 1}\nb: {x: 2}\nlist: [{x: 1}, {x: 2}]\n---\na: 3\n")
    assert problems == [] and len(documents) == 2


# --- tags -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, line, column, shown",
    [
        ("a: !!python/object/apply:os.system ['id']\n", 1, 4, "!!python/object/apply:os.system"),
        ("a: !!python/name:os.system\n", 1, 4, "!!python/name:os.system"),
        ("a: !!python/object/new:os.system [x]\n", 1, 4, "!!python/object/new:os.system"),
        ("a: !<tag:yaml.org,2002:python/object:os.system> x\n", 1, 4, "!!python/object:os.system"),
        ("x: 1\nb: !custom value\n", 2, 4, "!custom"),
        ("a: !foo {b: 1}\n", 1, 4, "!foo"),
        ("a: !foo [1]\n", 1, 4, "!foo"),
        ("!foo\na: 1\n", 1, 1, "!foo"),  # on the document itself
        ("a: 1\n!foo key: 1\n", 2, 1, "!foo"),  # on a key
        ("a: !!binary aGVsbG8=\n", 1, 4, "!!binary"),
        ("- !!set {a}\n", 1, 3, "!!set"),
        ("a: !!omap [a: 1]\n", 1, 4, "!!omap"),
    ],
)
def test_unsafe_tags_are_refused_at_their_position(text: str, line: int, column: int, shown: str) -> None:
    documents, problems = load_documents(text)
    assert documents == []
    assert [(p.rule, p.line, p.column) for p in problems] == [("unsafe-tag", line, column)]
    assert shown in problems[0].message


def test_tagged_objects_are_never_constructed(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    monkeypatch.setattr(os, "system", lambda *args: calls.append(args) or 0)
    load_documents("a: !!python/object/apply:os.system ['echo pwned']\n")
    load_documents("a: !!python/object/new:os.system ['echo pwned']\n")
    assert calls == []


def test_a_tagged_complex_key_is_refused() -> None:
    documents, problems = load_documents("? !!python/tuple [1, 2]\n: value\n")
    assert documents == []
    assert [(p.rule, p.line) for p in problems] == [("complex-key", 1)]


# --- aliases ----------------------------------------------------------------------------


def _billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[index]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_quickly_at_the_anchor_that_overflows() -> None:
    start = time.perf_counter()
    documents, problems = load_documents(_billion_laughs())
    assert time.perf_counter() - start < 1.0
    assert documents == []
    # a..d expand to 8,289 extra nodes; the first alias of d (in e's value) crosses 10,000.
    assert [(p.rule, p.line, p.column) for p in problems] == [("alias-bomb", 4, 4)]
    assert "10,000" in problems[0].message


def test_billion_laughs_of_mappings_is_refused() -> None:
    lines = ["a: &a {k0: x, k1: x, k2: x, k3: x, k4: x, k5: x, k6: x, k7: x, k8: x, k9: x}"]
    for index, name in enumerate("bcdefgh"):
        previous = "abcdefgh"[index]
        lines.append(f"{name}: &{name} {{" + ", ".join(f"k{i}: *{previous}" for i in range(10)) + "}")
    start = time.perf_counter()
    documents, problems = load_documents("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 1.0
    assert documents == [] and [p.rule for p in problems] == ["alias-bomb"]


@pytest.mark.parametrize("extra, refused", [(False, False), (True, True)])
def test_alias_expansion_limit_is_exact(extra: bool, refused: bool) -> None:
    # Each alias of the 99-item list adds 100 nodes: 100 of them add exactly 10,000, which is allowed;
    # one more alias of an empty list (1 node) crosses the limit.
    assert MAX_ALIAS_EXPANSION == 10_000
    aliases = ", ".join(["*a"] * 100) + (", *e" if extra else "")
    text = "a: &a [" + ", ".join(["x"] * 99) + "]\ne: &e []\nb: [" + aliases + "]\n"
    documents, problems = load_documents(text)
    assert [p.rule for p in problems] == (["alias-bomb"] if refused else [])
    assert len(documents) == (0 if refused else 1)


@pytest.mark.parametrize(
    "text",
    [
        # 10,000 aliases of one 100,000-character scalar: 140 KB of text, a billion characters loaded.
        "members: [&s " + "x" * 100_000 + ", " + ", ".join(["*s"] * 10_000) + "]\n",
        # the same through a list: few nodes, many characters
        "a: &a [" + "x" * 100_000 + "]\nb: [" + ", ".join(["*a"] * 11) + "]\n",
        # and through a mapping (a merge key expands it too)
        "a: &a {k: " + "v" * 600_000 + "}\nb: *a\nc: {<<: *a}\n",
    ],
)
def test_aliases_cannot_repeat_long_text_beyond_the_limit(text: str) -> None:
    start = time.perf_counter()
    documents, problems = load_documents(text)
    assert time.perf_counter() - start < 1.0
    assert documents == [] and [p.rule for p in problems] == ["alias-bomb"]
    assert f"{MAX_ALIAS_CHARACTERS:,} characters" in problems[0].message


def test_aliases_of_text_within_the_limit_load() -> None:
    text = "a: &a {note: " + "y" * 1000 + "}\nb: *a\nc: [" + ", ".join(["*a"] * 900) + "]\nd: &s short\ne: *s\n"
    documents, problems = load_documents(text)
    assert problems == []
    data = documents[0].data
    assert isinstance(data, dict) and len(data["c"]) == 900 and data["e"] == "short"


@pytest.mark.parametrize(
    "text, line, column",
    [
        ("a: &x [1, *x]\n", 1, 4),
        ("a: &x {b: *x}\n", 1, 4),
        ("kind: Team\nspec: &s\n  self: *s\n", 2, 7),
        ("a: &x {<<: *x}\n", 1, 4),  # through a merge key
    ],
)
def test_recursive_alias_points_at_the_anchor(text: str, line: int, column: int) -> None:
    documents, problems = load_documents(text)
    assert documents == []
    assert [(p.rule, p.line, p.column) for p in problems] == [("recursive-alias", line, column)]


# --- nesting ----------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_deep_flow_lists_are_refused_without_crashing(depth: int) -> None:
    # 100,000 levels used to overflow the C stack in libyaml's composer (a segfault).
    start = time.perf_counter()
    documents, problems = load_documents("a: " + "[" * depth + "]" * depth + "\n")
    assert time.perf_counter() - start < 5.0
    assert documents == []
    assert [(p.rule, p.line) for p in problems] == [("too-deep", 1)]


def test_deep_flow_mappings_are_refused() -> None:
    depth = 100_000
    documents, problems = load_documents("a: " + "{a: " * depth + "1" + "}" * depth + "\n")
    assert documents == [] and [p.rule for p in problems] == ["too-deep"]


def test_deep_compact_block_sequences_are_refused() -> None:
    documents, problems = load_documents("- " * 100_000 + "x\n")
    assert documents == [] and [(p.rule, p.line) for p in problems] == [("too-deep", 1)]


def test_deep_block_mappings_are_refused_at_the_first_level_too_many() -> None:
    levels = MAX_DEPTH + 10
    text = "".join(" " * i + f"k{i}:\n" for i in range(levels)) + " " * levels + "v\n"
    documents, problems = load_documents(text)
    assert documents == []
    # The root mapping is level 1; the mapping of level 65 starts on line 65, indented 64 spaces.
    assert [(p.rule, p.line, p.column) for p in problems] == [("too-deep", MAX_DEPTH + 1, MAX_DEPTH + 1)]


@pytest.mark.parametrize("prescan", [False, True], ids=["composer", "event-scan"])
@pytest.mark.parametrize("depth, refused", [(MAX_DEPTH, False), (MAX_DEPTH + 1, True)])
def test_depth_limit_is_the_same_on_both_paths(depth: int, refused: bool, prescan: bool) -> None:
    # Many brackets anywhere in the file (here in a comment) switch on the event pre-scan.
    padding = "# " + "[" * 500 + "\n" if prescan else ""
    text = padding + "[" * depth + "]" * depth + "\n"
    documents, problems = load_documents(text)
    assert [p.rule for p in problems] == (["too-deep"] if refused else [])
    assert len(documents) == (0 if refused else 1)


# --- keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, line, column",
    [
        ("? [a, b]\n: 1\n", 1, 3),
        ("? {a: 1}\n: 2\n", 1, 3),
        ("{[a]: 1}\n", 1, 2),
        ("ok: 1\nnested:\n  ? [x]\n  : 1\n", 3, 5),
    ],
)
def test_complex_keys_are_refused(text: str, line: int, column: int) -> None:
    documents, problems = load_documents(text)
    assert documents == []
    assert [(p.rule, p.line, p.column) for p in problems] == [("complex-key", line, column)]


# --- merge keys ---------------------------------------------------------------------------


def test_merge_key_explicit_keys_win_in_either_order_without_duplicate_findings() -> None:
    data = only_document(
        dedent(
            """
            defaults: &d {owner: team:a, tier: 3, lifecycle: production}
            after:
              <<: *d
              tier: 1
            before:
              tier: 2
              <<: *d
            """
        )
    )
    assert data["after"] == {"owner": "team:a", "tier": 1, "lifecycle": "production"}  # type: ignore[index]
    assert data["before"] == {"tier": 2, "owner": "team:a", "lifecycle": "production"}  # type: ignore[index]


def test_merge_of_several_mappings_earlier_ones_win() -> None:
    data = only_document("a: &a {k: 1}\nb: &b {k: 2, only_b: 2}\nx:\n  <<: [*a, *b]\n")
    assert data["x"] == {"k": 1, "only_b": 2}  # type: ignore[index]


def test_an_explicit_key_given_twice_after_a_merge_is_still_a_duplicate() -> None:
    text = "base: &b {a: 1, c: 2}\nx:\n  <<: *b\n  a: 5\n  a: 6\n"
    documents, problems = load_documents(text)
    assert [(p.rule, p.line, p.column) for p in problems] == [("duplicate-key", 5, 3)]
    assert documents[0].data["x"] == {"a": 6, "c": 2}  # type: ignore[index]


@pytest.mark.parametrize("value", ["5", "[1, 2]", "[{a: 1}, x]"])
def test_merge_of_a_non_mapping_is_a_syntax_problem(value: str) -> None:
    documents, problems = load_documents(f"x:\n  <<: {value}\n")
    assert documents == []
    assert [(p.rule, p.line, p.column) for p in problems] == [("yaml-syntax", 2, 7)]


# --- documents ------------------------------------------------------------------------------


def test_documents_carry_index_and_start_line() -> None:
    text = "a: 1\n---\nb: 2\n---\n\n# comment\nc: 3\n...\n---\nd: 4\n"
    documents, problems = load_documents(text)
    assert problems == []
    assert [(d.index, d.line, d.data) for d in documents] == [
        (0, 1, {"a": 1}),
        (1, 3, {"b": 2}),
        (2, 7, {"c": 3}),
        (3, 10, {"d": 4}),
    ]
    assert all(isinstance(d, YamlDocument) for d in documents)


def test_an_empty_document_between_markers_keeps_its_index() -> None:
    documents, problems = load_documents("a: 1\n---\n---\nb: 1\n")
    assert problems == []
    assert [(d.index, d.data) for d in documents] == [(0, {"a": 1}), (1, None), (2, {"b": 1})]


def test_rejected_documents_do_not_stop_the_next_ones() -> None:
    text = "\n---\n".join(
        [
            "a: !!python/object:x {}",  # 0: unsafe tag
            "b: &x [1, *x]",  # 1: recursive alias
            "c: " + "[" * 70 + "]" * 70,  # 2: too deep (few brackets: the composer path)
            "? [k]\n: v",  # 3: complex key
            "e: 1\ne: 2",  # 4: duplicate key, but loaded
            "f: ok",  # 5
        ]
    )
    documents, problems = load_documents(text + "\n")
    assert [(d.index, d.data) for d in documents] == [(4, {"e": 2}), (5, {"f": "ok"})]
    assert [(p.rule, p.line) for p in problems] == [
        ("unsafe-tag", 1),
        ("recursive-alias", 3),
        ("too-deep", 5),
        ("complex-key", 7),
        ("duplicate-key", 11),
    ]


def test_a_document_after_an_alias_bomb_still_loads() -> None:
    documents, problems = load_documents(_billion_laughs() + "---\nok: 1\n")
    assert [(d.index, d.line, d.data) for d in documents] == [(1, 11, {"ok": 1})]
    assert [p.rule for p in problems] == ["alias-bomb"]


def test_documents_around_a_very_deep_document_still_load() -> None:
    text = "a: 1\n---\nb: " + "[" * 500 + "]" * 500 + "\n---\nc: 3\n"
    documents, problems = load_documents(text)
    assert [p.rule for p in problems] == ["too-deep"]
    assert [(d.index, d.data) for d in documents] == [(0, {"a": 1}), (2, {"c": 3})]


def test_documents_around_a_document_past_libyamls_own_nesting_limit_still_load() -> None:
    text = "a: 1\n---\nb: " + "[" * 5000 + "]" * 5000 + "\n---\nc: 3\n---\n"
    documents, problems = load_documents(text)
    assert [(p.rule, p.line) for p in problems] == [("too-deep", 3)]
    # The empty document the trailing '---' makes is at that line, not past the end of the text.
    assert [(d.index, d.line, d.data) for d in documents] == [(0, 1, {"a": 1}), (2, 5, {"c": 3}), (3, 6, None)]


def test_many_deep_documents_each_refused_and_the_others_loaded() -> None:
    deep = "x: " + "[" * 70 + "]" * 70 + "\n"
    text = "---\n".join([deep, "ok: 1\n"] * 10)  # more than 400 brackets in all: the scanned path
    documents, problems = load_documents(text)
    assert [p.rule for p in problems] == ["too-deep"] * 10
    assert [d.index for d in documents] == list(range(1, 20, 2))


def test_directives_stay_with_their_document_next_to_a_deep_one() -> None:
    text = "%YAML 1.1\n---\na: 1\n...\n%TAG !e! tag:example.com,2026:\n--- !e!x\nb: 2\n---\nc: " + "[" * 500
    documents, problems = load_documents(text + "]" * 500 + "\n")
    assert [(d.index, d.data) for d in documents] == [(0, {"a": 1})]
    assert [(p.rule, p.line) for p in problems] == [("unsafe-tag", 6), ("too-deep", 9)]


def test_a_control_character_after_a_deep_document_is_a_located_problem() -> None:
    text = "a: " + "[" * 500 + "]" * 500 + "\n---\nn: ééé\nc: \x01\n"
    assert located(text) == [("yaml-syntax", 4, 4)]


# --- syntax errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, line, column",
    [
        ("a:\n\tb: 1\n", 2, 1),  # tab indentation
        ("a: 'unclosed\nb: 2\n", 3, 1),  # reported where the stream ends
        ('a: "unclosed\nb: 2\n', 3, 1),
        ("a:\n  b: 1\n c: 2\n", 3, 2),  # bad indentation
        ("title: Payments: the team\n", 1, 16),
        ("a: [1, 2\nb: 3\n", 2, 2),
    ],
    ids=["tab", "single-quote", "double-quote", "indent", "colon-in-value", "unclosed-flow"],
)
def test_syntax_errors_are_located(text: str, line: int, column: int) -> None:
    documents, problems = load_documents(text)
    assert documents == []
    (problem,) = problems
    assert (problem.rule, problem.line, problem.column) == ("yaml-syntax", line, column)
    assert problem.message and "\n" not in problem.message


def test_a_syntax_error_ends_the_stream_but_keeps_earlier_documents() -> None:
    # The quote runs into the next '---', where libyaml gives up: c is never read.
    documents, problems = load_documents("a: 1\n---\nb: 'unclosed\n---\nc: 3\n")
    assert [d.data for d in documents] == [{"a": 1}]
    assert [(p.rule, p.line) for p in problems] == [("yaml-syntax", 4)]


# (A plain `0x_` was a bad YAML 1.1 int; it is text now, as YAML 1.2 reads it: see test_yaml_scalars.)
@pytest.mark.parametrize("text", ["a: !!int abc\n", "a: !!float x\n", "a: !!int 12abc\n"])
def test_bad_core_scalars_are_problems_not_exceptions(text: str) -> None:
    documents, problems = load_documents(text)
    assert documents == [] and [(p.rule, p.line) for p in problems] == [("yaml-syntax", 1)]


def test_problems_are_plain_values() -> None:
    (problem,) = load_documents("a: 1\na: 2\n")[1]
    assert isinstance(problem, YamlProblem)
    assert problem == YamlProblem(problem.rule, problem.message, 2, 1, problem.hint)


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_unicode_line_separators_inside_a_value_do_not_shift_lines(separator: str) -> None:
    text = f"a: 'first{separator}second'\nb: !x 1\n"
    assert located(text) == [("unsafe-tag", 2, 4)]


@pytest.mark.parametrize(
    "text, line, column",
    [
        ("a: 1\nb: \x01\n", 2, 4),
        ('a: "\x07"\n', 1, 5),
        ("a: 1\n---\nb: \x01\n", 3, 4),
    ],
)
def test_control_characters_are_located_syntax_problems(text: str, line: int, column: int) -> None:
    _, problems = load_documents(text)
    assert [(p.rule, p.line, p.column) for p in problems] == [("yaml-syntax", line, column)]
    assert "not allowed" in problems[0].message


def test_control_character_after_non_ascii_text_is_located() -> None:
    _, problems = load_documents("n: ééééééééé\nb: x\nc: \x01\n")
    assert [(p.rule, p.line, p.column) for p in problems] == [("yaml-syntax", 3, 4)]

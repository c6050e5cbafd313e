"""The safe loader: every bad input is a located problem, never a crash, hang or constructed object."""

from __future__ import annotations

import time

import pytest

from itsmctl.load.safe_yaml import MAX_DEPTH, load_documents


def problems(text: str) -> list[tuple[str, int]]:
    return [(p.rule, p.line) for p in load_documents(text)[1]]


def test_plain_values_and_keys_stay_as_written() -> None:
    (doc,), found = load_documents("on: yes\n1: 2\nwhen: 2026-12-01T10:00:00+01:00\nn: ~\nf: 1.5\nlist: [a, 'b']\n")
    assert found == []
    assert doc.data == {
        "on": True,
        "1": 2,
        "when": "2026-12-01T10:00:00+01:00",
        "n": None,
        "f": 1.5,
        "list": ["a", "b"],
    }


@pytest.mark.parametrize(
    "text, line",
    [
        ("a: 1\na: 2\n", 2),
        ("a:\n  b: 1\n  c: 2\n  b: 3\n", 4),
        ("items:\n  - x: 1\n    y: 2\n    x: 3\n", 4),
    ],
)
def test_duplicate_keys_at_every_level(text: str, line: int) -> None:
    assert problems(text) == [("duplicate-key", line)]


def test_duplicate_message_names_the_first_occurrence() -> None:
    (problem,) = load_documents("spec:\n  owner: a\n  tier: 1\n  owner: b\n")[1]
    assert "'owner'" in problem.message and "first at line 2" in problem.message and problem.column == 3


@pytest.mark.parametrize(
    "text, line",
    [
        ("a: !!python/object/apply:os.system ['id']\n", 1),
        ("a: !!python/name:os.system\n", 1),
        ("x: 1\nb: !custom value\n", 2),
        ("? !!python/tuple [1, 2]\n: value\n", 1),
        ("a: !!binary aGVsbG8=\n", 1),
    ],
)
def test_unsafe_tags_are_refused_not_constructed(text: str, line: int) -> None:
    documents, found = load_documents(text)
    assert documents == []
    assert [(p.rule, p.line) for p in found][-1][1] == line
    assert {p.rule for p in found} <= {"unsafe-tag", "complex-key"}


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[index]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    start = time.perf_counter()
    documents, found = load_documents("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 1.0
    assert documents == [] and [p.rule for p in found] == ["alias-bomb"]


def test_recursive_alias() -> None:
    assert problems("a: &x [1, *x]\n") == [("recursive-alias", 1)]


def test_merge_keys_work_and_explicit_keys_win_without_duplicate_findings() -> None:
    text = "defaults: &d {owner: team:a, tier: 3}\nservice:\n  <<: *d\n  tier: 1\n"
    (doc,), found = load_documents(text)
    assert found == [] and doc.data["service"] == {"owner": "team:a", "tier": 1}


@pytest.mark.parametrize("depth", [MAX_DEPTH + 5, 100_000])
def test_deep_flow_nesting_is_refused_without_crashing(depth: int) -> None:
    documents, found = load_documents("a: " + "[" * depth + "]" * depth + "\n")
    assert documents == [] and [p.rule for p in found] == ["too-deep"]


def test_deep_block_nesting_is_refused() -> None:
    text = "".join(" " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 3)) + " " * (MAX_DEPTH + 3) + "v\n"
    documents, found = load_documents(text)
    assert documents == [] and [p.rule for p in found] == ["too-deep"]


def test_complex_keys() -> None:
    assert problems("? [a, b]\n: 1\n") == [("complex-key", 1)]


def test_documents_carry_index_and_start_line() -> None:
    documents, found = load_documents("a: 1\n---\nb: 2\n---\n\n# comment\nc: 3\n")
    assert found == []
    assert [(d.index, d.line, d.data) for d in documents] == [(0, 1, {"a": 1}), (1, 3, {"b": 2}), (2, 7, {"c": 3})]


@pytest.mark.parametrize(
    "text, line",
    [
        ("a:\n\tb: 1\n", 2),
        ("a: 'unclosed\nb: 2\n", 3),
        ("a: 1\n b: 2\n", 2),
        ("title: Payments: the team\n", 1),
    ],
)
def test_syntax_errors_have_lines(text: str, line: int) -> None:
    (problem,) = load_documents(text)[1]
    assert problem.rule == "yaml-syntax" and problem.line == line and problem.message


def test_a_rejected_document_does_not_stop_the_next_one() -> None:
    documents, found = load_documents("a: !!python/object:x {}\n---\nb: 2\n")
    assert [d.data for d in documents] == [{"b": 2}]
    assert [p.rule for p in found] == ["unsafe-tag"]

"""Typed views as plain data: exact round trips, and any value of the wrong JSON type is refused."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from itsmctl.load.discover import discover, relative
from itsmctl.load.pipeline import _process
from itsmctl.model import kinds
from itsmctl.model.plain import WrongShape, codec_of, view_codec
from itsmctl.model.record import Record

REPO_ROOT = Path(__file__).resolve().parents[2]


def _views() -> dict[type, Any]:
    """One view of every class reachable from the example repository's records (parts included)."""
    found: dict[type, Any] = {}

    def visit(value: Any) -> None:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            found.setdefault(type(value), value)
            for field in dataclasses.fields(value):
                if field.name != "record":
                    visit(getattr(value, field.name))
        elif isinstance(value, (tuple, frozenset, list)):
            for item in value:
                visit(item)

    for path in discover(REPO_ROOT).files:
        records, _ = _process(relative(path, REPO_ROOT), path.read_bytes(), 1 << 22, None)
        for record in records:
            visit(record.typed)
    return found


VIEWS = _views()


def _wrong(hint: Any) -> list[Any]:
    """JSON values that are not the plain form of ``hint``."""
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        inner = next(a for a in arguments if a is not type(None))
        return [value for value in _wrong(inner) if value is not None]
    if hint is str:
        return [5, 1.5, True, None, [], {}]
    if hint is int:
        return ["1", 1.5, True, None, []]
    if hint is bool:
        return [1, "true", None]
    if hint is float:
        return ["1.0", True, None, []]
    if hint is timedelta:
        return ["4h", 14400, [1, 2], [1, 2, "3"], [1, 2, 3.5], None]
    if hint is ZoneInfo:
        return [5, None, "No/SuchZone", ["UTC"]]
    if hint is datetime:
        return [5, None, "yesterday", "2026-02-30T00:00:00+00:00"]
    if hint is date:
        return [5, None, "2026-02-30"]
    if origin in (tuple, frozenset):
        return ["x", {}, None, *[[value] for value in _wrong(arguments[0])[:2]]]
    if origin is dict:
        return [
            [],
            "x",
            None,
            *([{"k": value} for value in _wrong(arguments[1])[:2]] if arguments[1] is not Any else []),
        ]
    if dataclasses.is_dataclass(hint):
        return ["x", None, [], [1], {}]
    raise AssertionError(f"no wrong values for {hint!r}")


def test_the_example_reaches_every_view_class() -> None:
    assert {view_codec(kind).cls for kind in kinds.BUILDERS} <= set(VIEWS)


@pytest.mark.parametrize("cls", sorted(VIEWS, key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_a_view_comes_back_exactly_and_no_field_takes_a_value_of_another_type(cls: type) -> None:
    codec = codec_of(cls)
    view = VIEWS[cls]
    record = getattr(view, "record", None)
    plain = json.loads(json.dumps(codec.to_plain(view)))
    again = codec.from_plain(record, json.loads(json.dumps(plain)))
    assert codec.to_plain(again) == plain
    assert all(getattr(again, name) == getattr(view, name) for name in codec.names)
    hints = typing.get_type_hints(cls, vars(kinds))
    for index, name in enumerate(codec.names):
        for value in _wrong(hints[name]):
            mutated = json.loads(json.dumps(plain))
            mutated[index] = value
            with pytest.raises((WrongShape, ValueError, TypeError, KeyError, OSError)):
                codec.from_plain(record, mutated)
    for shape in (None, {}, "x", plain[:-1], [*plain, None]):
        with pytest.raises(WrongShape):
            codec.from_plain(record, shape)


def test_the_record_is_given_back_not_stored() -> None:
    codec = view_codec("Team")
    view = VIEWS[codec.cls]
    assert not any(isinstance(value, Record) for value in codec.to_plain(view))
    other = Record("Team", "x", None, view.record.source, 0, 1)
    assert codec.from_plain(other, codec.to_plain(view)).record is other

"""Typed views (``model.kinds``) as plain JSON data, and back, for the result cache.

One codec per dataclass, derived from its fields' type hints, so a field added
to a kind is stored without a second description of it here. Every value
becomes a JSON value that comes back exactly: a timedelta as its days, seconds
and microseconds, a time zone as its IANA key, a timestamp as ISO 8601 text
with its offset, a frozenset as a list. A field of a type this module does not
know makes the codec refuse (``Unsupported``), so such a view is never cached
rather than cached wrong. Decoding checks each value's type: anything that does
not fit raises ``WrongShape``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from itsmctl.model import kinds
from itsmctl.model.record import Record

Convert = Callable[[Any], Any]


class Unsupported(TypeError):
    """A field's type has no exact plain form here."""


class WrongShape(ValueError):
    """Plain data that is not what ``to_plain`` makes."""


def _checked(expected: type) -> Convert:
    def check(value: Any) -> Any:
        if type(value) is not expected:
            raise WrongShape
        return value

    return check


def _any(value: Any) -> Any:
    return value  # data from the document itself; the cache checks it survives JSON unchanged


def _optional(convert: Convert) -> Convert:
    def optional(value: Any) -> Any:
        return None if value is None else convert(value)

    return optional


def _sequence(container: type, item: Convert) -> Convert:
    def sequence(value: Any) -> Any:
        if type(value) is not list:
            raise WrongShape
        return container([item(element) for element in value])

    return sequence


def _mapping(item: Convert) -> Convert:
    def mapping(value: Any) -> Any:
        if type(value) is not dict:
            raise WrongShape
        return {key: item(element) for key, element in value.items()}

    return mapping


def _timedelta(value: Any) -> timedelta:
    days, seconds, microseconds = value
    if not (type(days) is int and type(seconds) is int and type(microseconds) is int):
        raise WrongShape
    return timedelta(days, seconds, microseconds)


def _zone(value: Any) -> ZoneInfo:
    if type(value) is not str:
        raise WrongShape
    return kinds._zone_named(value)  # the cache the builders use


def _datetime(value: Any) -> datetime:
    if type(value) is not str:
        raise WrongShape
    return datetime.fromisoformat(value)


def _date(value: Any) -> date:
    if type(value) is not str:
        raise WrongShape
    return date.fromisoformat(value)


def _zone_key(zone: ZoneInfo) -> str:
    if zone.key is None:
        raise Unsupported(f"time zone {zone!r} has no IANA key")
    return zone.key


def _number(value: Any) -> Any:
    # A float field may hold the int the document had (riskWeights: {tier: 10}); JSON keeps which.
    if type(value) is not float and type(value) is not int:
        raise WrongShape
    return value


def _plain_any(value: Any) -> Any:
    return value


# type -> (to plain, from plain)
_SCALARS: dict[Any, tuple[Convert, Convert]] = {
    str: (_plain_any, _checked(str)),
    int: (_plain_any, _checked(int)),
    float: (_plain_any, _number),
    bool: (_plain_any, _checked(bool)),
    Any: (_plain_any, _any),
    timedelta: (lambda d: [d.days, d.seconds, d.microseconds], _timedelta),
    ZoneInfo: (_zone_key, _zone),
    datetime: (lambda moment: moment.isoformat(), _datetime),
    date: (lambda day: day.isoformat(), _date),
}


def _converters(hint: Any) -> tuple[Convert, Convert]:
    if hint in _SCALARS:
        return _SCALARS[hint]
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union) and len(arguments) == 2 and type(None) in arguments:
        inner_to, inner_from = _converters(next(a for a in arguments if a is not type(None)))
        return (lambda v: None if v is None else inner_to(v)), _optional(inner_from)
    if origin is tuple and len(arguments) == 2 and arguments[1] is Ellipsis:
        item_to, item_from = _converters(arguments[0])
        return (lambda v: [item_to(x) for x in v]), _sequence(tuple, item_from)
    if origin is frozenset and len(arguments) == 1:
        item_to, item_from = _converters(arguments[0])
        # Sorted: the same set always gives the same bytes.
        return (lambda v: sorted(item_to(x) for x in v)), _sequence(frozenset, item_from)
    if origin is dict and len(arguments) == 2 and arguments[0] is str:
        item_to, item_from = _converters(arguments[1])
        return (lambda v: {key: item_to(x) for key, x in v.items()}), _mapping(item_from)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        codec = codec_of(hint)
        return codec.to_plain, lambda value: codec.from_plain(None, value)
    raise Unsupported(f"no plain form for {hint!r}")


@dataclasses.dataclass(frozen=True)
class Codec:
    cls: type
    names: tuple[str, ...]
    to: tuple[Convert, ...]
    back: tuple[Convert, ...]
    has_record: bool  # the first field is the Record the view belongs to: not stored, given back on decoding

    def to_plain(self, view: Any) -> list[Any]:
        return [convert(getattr(view, name)) for name, convert in zip(self.names, self.to, strict=True)]

    def from_plain(self, record: Record | None, values: Any) -> Any:
        if type(values) is not list or len(values) != len(self.back):
            raise WrongShape
        arguments = [convert(value) for convert, value in zip(self.back, values, strict=False)]  # lengths checked above
        return self.cls(record, *arguments) if self.has_record else self.cls(*arguments)


@cache
def codec_of(cls: type) -> Codec:
    hints = typing.get_type_hints(cls, vars(kinds))
    fields = dataclasses.fields(cls)
    has_record = bool(fields) and hints[fields[0].name] is Record
    names, to, back = [], [], []
    for field in fields[1:] if has_record else fields:
        to_plain, from_plain = _converters(hints[field.name])
        names.append(field.name)
        to.append(to_plain)
        back.append(from_plain)
    return Codec(cls, tuple(names), tuple(to), tuple(back), has_record)


def view_codec(kind: str, cls: type | None = None) -> Codec:
    """The codec of ``kind``'s typed view (the class its builder returns); ``cls`` must be that class."""
    view = _view_class(kind)
    if cls is not None and cls is not view:
        raise Unsupported(f"a {kind} record has a {cls.__name__} view, not a {view.__name__}")
    return codec_of(view)


@cache
def _view_class(kind: str) -> type:
    view: type = typing.get_type_hints(kinds.BUILDERS[kind], vars(kinds))["return"]
    return view

"""Typed views (``model.kinds``) as plain JSON data, and back, for the result cache.

One codec per dataclass, derived from its fields' type hints, so a field added
to a kind is stored without a second description of it here. Every value
becomes a JSON value that comes back exactly: a timedelta as its days, seconds
and microseconds, a time zone as its IANA key, a timestamp as ISO 8601 text
with its offset, a frozenset as a sorted list. A field of a type this module
does not know makes the codec refuse (``Unsupported``), so such a view is never
cached rather than cached wrong. Decoding checks the JSON type of every value:
anything that does not fit raises ``WrongShape``.

A warm run decodes hundreds of thousands of views, so each codec's decoder is
one generated function (as ``dataclasses`` generates ``__init__``): the type
checks of plain fields inline, a call only where a value needs converting. Its
source is made from the type hints alone, never from data.
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


@dataclasses.dataclass(frozen=True)
class _Form:
    """How one type is stored.

    ``check`` is an inline test of the plain value (``{v}`` stands for it), for values kept as
    they are; ``from_plain`` converts (and checks) the others. ``to_plain`` None: stored as is.
    """

    to_plain: Convert | None = None
    check: str | None = None
    from_plain: Convert | None = None

    def convert(self, value: Any) -> Any:
        """For values inside lists and mappings: check, or convert."""
        if self.from_plain is not None:
            return self.from_plain(value)
        if self.check is not None and not _test(self.check)(value):
            raise WrongShape
        return value


_NUMBER = (float, int)  # a float field may hold the int the document had (riskWeights: {tier: 10})
_CHECK_NAMES = {"_NUMBER": _NUMBER, "str": str, "int": int, "bool": bool, "type": type}


@cache
def _test(check: str) -> Callable[[Any], bool]:
    """A check as a function, for values inside lists and mappings."""
    test: Callable[[Any], bool] = eval("lambda v: " + check.format(v="v"), dict(_CHECK_NAMES))  # noqa: S307
    return test


def _timedelta(value: Any) -> timedelta:
    if type(value) is not list or len(value) != 3:
        raise WrongShape
    days, seconds, microseconds = value
    if type(days) is not int or type(seconds) is not int or type(microseconds) is not int:
        raise WrongShape
    return timedelta(days, seconds, microseconds)


def _zone(value: Any) -> ZoneInfo:
    if type(value) is not str:
        raise WrongShape
    return kinds._zone_named(value)  # the cache the builders use


def _zone_key(zone: ZoneInfo) -> str:
    if zone.key is None:
        raise Unsupported(f"time zone {zone!r} has no IANA key")
    return zone.key


def _parsed(parse: Callable[[str], Any]) -> Convert:
    def from_plain(value: Any) -> Any:
        if type(value) is not str:
            raise WrongShape
        return parse(value)

    return from_plain


_SCALARS: dict[Any, _Form] = {
    str: _Form(check="type({v}) is str"),
    int: _Form(check="type({v}) is int"),
    float: _Form(check="type({v}) in _NUMBER"),
    bool: _Form(check="type({v}) is bool"),
    # Values straight from the document; the cache checks that they survive JSON unchanged.
    Any: _Form(),
    timedelta: _Form(lambda d: [d.days, d.seconds, d.microseconds], None, _timedelta),
    ZoneInfo: _Form(_zone_key, None, _zone),
    datetime: _Form(datetime.isoformat, None, _parsed(datetime.fromisoformat)),
    date: _Form(date.isoformat, None, _parsed(date.fromisoformat)),
}


def _items(item: _Form, container: Callable[[Any], Any]) -> Convert:
    """From a list of ``item``'s plain form to ``container`` of them."""
    expected = {"type({v}) is str": str, "type({v}) is int": int}.get(item.check or "")
    if expected is not None and item.from_plain is None:

        def of_scalars(value: Any) -> Any:
            if type(value) is not list:
                raise WrongShape
            for element in value:
                if type(element) is not expected:
                    raise WrongShape
            return container(value)

        return of_scalars
    convert = item.convert

    def of_items(value: Any) -> Any:
        if type(value) is not list:
            raise WrongShape
        return container([convert(element) for element in value])

    return of_items


def _values(item: _Form) -> Convert:
    convert = item.convert

    def from_plain(value: Any) -> Any:
        if type(value) is not dict:
            raise WrongShape
        return {key: convert(element) for key, element in value.items()}

    return from_plain


def _optional(item: _Form) -> _Form:
    to, back = item.to_plain, item.from_plain
    return _Form(
        None if to is None else (lambda v: None if v is None else to(v)),
        None if item.check is None else f"({{v}} is None or {item.check})",
        None if back is None else (lambda v: None if v is None else back(v)),
    )


def _each(to: Convert, container: Callable[[Any], Any]) -> Convert:
    return lambda values: container([to(value) for value in values])


def _form(hint: Any) -> _Form:
    if hint in _SCALARS:
        return _SCALARS[hint]
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union) and len(arguments) == 2 and type(None) in arguments:
        return _optional(_form(next(a for a in arguments if a is not type(None))))
    if origin is tuple and len(arguments) == 2 and arguments[1] is Ellipsis:
        item = _form(arguments[0])
        to = item.to_plain
        return _Form(list if to is None else _each(to, list), None, _items(item, tuple))
    if origin is frozenset and len(arguments) == 1:
        item = _form(arguments[0])
        to = item.to_plain
        # Sorted: the same set always gives the same bytes.
        return _Form(sorted if to is None else _each(to, sorted), None, _items(item, frozenset))
    if origin is dict and len(arguments) == 2 and arguments[0] is str:
        item = _form(arguments[1])
        to = item.to_plain
        return _Form(None if to is None else (lambda v: {k: to(x) for k, x in v.items()}), None, _values(item))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        codec = codec_of(hint)
        return _Form(codec.to_plain, None, codec.part_from_plain)
    raise Unsupported(f"no plain form for {hint!r}")


def _decoder(cls: type, forms: tuple[_Form, ...], has_record: bool) -> Callable[[Record | None, Any], Any]:
    """``from_plain(record, values)`` for ``cls``, as one function (see the module's docstring)."""
    names = [f"a{i}" for i in range(len(forms))]
    namespace: dict[str, Any] = {"cls": cls, "WrongShape": WrongShape, **_CHECK_NAMES}
    checks, arguments = [], []
    for name, form in zip(names, forms, strict=True):
        if form.from_plain is not None:
            namespace[f"convert_{name}"] = form.from_plain
            arguments.append(f"convert_{name}({name})")
        else:
            arguments.append(name)
            if form.check is not None:
                checks.append(form.check.format(v=name))
    lines = [
        "def from_plain(record, values):",
        f"    if type(values) is not list or len(values) != {len(forms)}:",
        "        raise WrongShape",
    ]
    if names:
        lines.append(f"    {', '.join(names)}, = values")
    if checks:
        lines += [f"    if not ({' and '.join(checks)}):", "        raise WrongShape"]
    lines.append(f"    return cls({', '.join((['record'] if has_record else []) + arguments)})")
    exec("\n".join(lines), namespace)  # noqa: S102 - source made from type hints only
    decoder: Callable[[Record | None, Any], Any] = namespace["from_plain"]
    return decoder


class Codec:
    """Plain form of one dataclass: its fields in order, the Record field (if first) left out."""

    __slots__ = ("cls", "names", "forms", "has_record", "from_plain")

    def __init__(self, cls: type, names: tuple[str, ...], forms: tuple[_Form, ...], has_record: bool) -> None:
        self.cls = cls
        self.names = names
        self.forms = forms
        self.has_record = has_record  # the Record is not stored: it is given back on decoding
        # from_plain(record, values): the view of ``values`` (a list to_plain made).
        self.from_plain = _decoder(cls, forms, has_record)

    def to_plain(self, view: Any) -> list[Any]:
        values = [getattr(view, name) for name in self.names]
        for index, form in enumerate(self.forms):
            if form.to_plain is not None:
                values[index] = form.to_plain(values[index])
        return values

    def part_from_plain(self, values: Any) -> Any:
        """A part of a view (a window, a target...): no Record of its own."""
        return self.from_plain(None, values)


@cache
def codec_of(cls: type) -> Codec:
    hints = typing.get_type_hints(cls, vars(kinds))
    fields = dataclasses.fields(cls)
    has_record = bool(fields) and hints[fields[0].name] is Record
    stored = fields[1:] if has_record else fields
    return Codec(cls, tuple(f.name for f in stored), tuple(_form(hints[f.name]) for f in stored), has_record)


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

"""Fast pickling for the record classes.

Results cross process boundaries in the parallel pipeline, between our own
processes only (the result cache on disk holds JSON, see ``load.result_codec``:
nothing read from disk is ever unpickled). The ``__setstate__`` that dataclasses give slotted classes looks up the
fields on every object; rebuilding through the constructor is several times
faster for hundreds of thousands of records.
"""

from __future__ import annotations

import dataclasses
from typing import Any


def pickle_by_constructor(*classes: type) -> None:
    for cls in classes:
        names = tuple(field.name for field in dataclasses.fields(cls))

        def reduce(self: Any, names: tuple[str, ...] = names) -> tuple[Any, ...]:
            return (type(self), tuple(getattr(self, name) for name in names))

        cls.__reduce__ = reduce  # type: ignore[method-assign, assignment]

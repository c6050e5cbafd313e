"""Label selectors: whether a record's labels hold every key/value a selector asks for.

A label value is text, as Kubernetes and Backstage treat label values, and it is the
text *as written*. YAML gives a plain value the type of how it is written, and reading
it back as that type loses how it was written: ``0x1F`` is 31, ``+1`` is 1, ``.5`` is
0.5, ``0.50`` is 0.5, ``True`` is true. A freeze on label ``zone: '0x1F'`` then stopped
covering a service labelled ``zone: 0x1F``, written the same way. So the loader keeps
the source text of every number and boolean in a ``labels`` mapping (``LabelMap``),
and every label dict the model compares (a record's labels, the label selectors of
freezes, policies and standard changes) holds that text: ``zone: 1`` matches
``zone: '1'``, ``0x1F`` matches ``'0x1F'`` but not ``31``, ``True`` matches ``'True'``
but not ``true``, and ``1`` never matches ``true``. The document itself keeps the
typed values (policies' CEL sees ``metadata.labels.zone`` as the number 31).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class LabelMap(dict[str, Any]):
    """A ``labels`` mapping as loaded, with the source text of each value that is not a string."""

    def __init__(self, values: Mapping[str, Any], written: Mapping[str, str]) -> None:
        super().__init__(values)
        self.written = dict(written)

    def __reduce__(self) -> tuple[Any, ...]:
        return (LabelMap, (dict(self), self.written))


def written_labels(labels: object) -> dict[str, Any]:
    """A plain dict of ``labels`` with every value that was written as a number or boolean as its text.

    Anything but a mapping (an invalid record) is no labels at all.
    """
    if not isinstance(labels, Mapping):
        return {}
    written: Mapping[str, str] = getattr(labels, "written", {})
    if not written:
        return labels if type(labels) is dict else dict(labels)  # the usual case: no copy
    return {key: written.get(key, value) for key, value in labels.items()}


def label_text(value: object) -> str:
    """How a label value reads as text: as written when loaded (``written_labels``); else booleans as
    true/false and numbers as Python writes them."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return f"\0{value!r}"  # a list or mapping (an invalid record) equals no scalar


def labels_match(selector: Mapping[str, object], labels: Mapping[str, object]) -> bool:
    """Whether ``labels`` has every key of ``selector`` with the same value, compared as text."""
    for key, wanted in selector.items():
        if key not in labels or label_text(labels[key]) != label_text(wanted):
            return False
    return True

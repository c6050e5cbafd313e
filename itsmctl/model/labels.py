"""Label selectors: whether a record's labels hold every key/value a selector asks for.

Label values may be written as text, numbers or booleans, and YAML gives a value the
type of how it is written: ``1`` and ``'1'``, ``true`` and ``'true'``. Python's
equality gets both wrong for a selector: ``1 != '1'`` (a freeze on label ``'1'`` missed
a service labelled ``1``) and ``1 == True`` (a template for label ``true`` matched a
service labelled ``1``). A label is compared by its text, as Kubernetes and Backstage
treat label values: ``1`` is ``'1'``, ``true`` is ``'true'``, and ``1`` is not ``true``.
"""

from __future__ import annotations

from collections.abc import Mapping


def label_text(value: object) -> str:
    """How a label value reads as text: booleans as true/false, numbers as Python writes them."""
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

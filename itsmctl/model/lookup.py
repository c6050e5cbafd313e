"""Why a reference names no usable record: it is invalid (where), or it does not exist (and what is close).

Options that name a record (``gate --ci``, ``impact REF``, ``new change --target``, ...)
and reports that meet a reference to nothing say the same thing: a record that
exists but failed its checks is "invalid", with its file and line, never "no
record ... did you mean" itself; a missing one gets the closest valid name of
its kind, never the name that was given.
"""

from __future__ import annotations

import difflib

from itsmctl.model.catalog import Catalog
from itsmctl.model.refs import KIND_OF_PREFIX

# How messages name each kind.
_WORDS = {
    "team": "team",
    "service": "service",
    "ci": "CI",
    "sla": "SLA",
    "change": "change",
    "policy": "policy",
    "freeze": "freeze",
    "standard": "standard change",
    "incident": "incident",
    "problem": "problem",
    "request": "request type",
    "kb": "knowledge article",
}


def kind_words(prefixes: tuple[str, ...]) -> str:
    """``("service", "ci")`` -> ``service or CI``, for messages."""
    return " or ".join(_WORDS.get(prefix, prefix) for prefix in prefixes)


def invalid_location(catalog: Catalog, ref: str) -> str | None:
    """``path:line`` of the record behind ``ref`` when it exists but the catalog could not hold it, else None."""
    record = catalog.by_ref.get(ref)
    if record is None or catalog.typed(ref) is not None:
        return None
    return f"{record.path}:{record.line}"


def closest_valid(catalog: Catalog, ref: str, prefixes: tuple[str, ...] | None = None) -> str | None:
    """The valid reference whose name is closest to ``ref``'s, among ``prefixes`` (default: its own kind);
    never ``ref`` itself. ``ref`` may be a bare name when ``prefixes`` are given."""
    prefix, colon, name = ref.rpartition(":")
    wanted = prefixes or ((prefix,) if prefix in KIND_OF_PREFIX else ())
    refs_by_name: dict[str, str] = {}
    for kind in wanted:
        for other in catalog.table(KIND_OF_PREFIX[kind]):
            if f"{kind}:{other}" != ref:
                refs_by_name.setdefault(other, f"{kind}:{other}")
    close = difflib.get_close_matches(name, list(refs_by_name), n=1, cutoff=0.6)
    return refs_by_name[close[0]] if close else None


def why_unusable(catalog: Catalog, ref: str, prefixes: tuple[str, ...] | None = None) -> str:
    """One sentence: why ``ref`` names no record the catalog holds (raw text: escape it for its output)."""
    where = invalid_location(catalog, ref)
    if where is not None:
        return f"{ref} ({where}) is invalid and was left out; run 'itsmctl validate'"
    close = closest_valid(catalog, ref, prefixes)
    prefix, _, name = ref.partition(":")
    what = f"{_WORDS[prefix]} {name!r}" if prefix in _WORDS else f"record {ref!r}"
    return f"no {what}" + (f"; did you mean {close!r}?" if close else "")

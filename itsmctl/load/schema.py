"""JSON Schemas of the record kinds: bundling, fast checking, and explaining failures.

Every record goes through jsonschema-rs (about a microsecond each). Only a record
that fails is re-checked with the pure-Python ``jsonschema`` package, whose errors
carry the schema that failed, so we can turn them into messages with the field,
the expected shape and a "did you mean" where one fits.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from itsmctl.load.yaml_scalars import plain_number, reading_note
from itsmctl.model.kinds import KeyPath
from itsmctl.model.refs import KINDS

if TYPE_CHECKING:  # imported lazily: only a failing record needs it (~70 ms)
    import jsonschema

_DEFS_REF = "defs.schema.json#/$defs/"


def _read(name: str) -> dict[str, Any]:
    text = resources.files("itsmctl.load").joinpath("schemas", name).read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def schema_file_name(kind: str) -> str:
    return f"{kind.lower()}.schema.json"


@cache
def bundled_schema(kind: str) -> dict[str, Any]:
    """The kind's schema with the shared definitions inlined: self-contained."""
    text = json.dumps(_read(schema_file_name(kind))).replace(f'"{_DEFS_REF}', '"#/$defs/')
    schema: dict[str, Any] = json.loads(text)
    schema["$defs"] = _read("defs.schema.json")["$defs"]
    return schema


def combined_schema() -> dict[str, Any]:
    """One schema for any record, dispatching on ``kind``: for editors that map one schema to a folder."""
    defs = _read("defs.schema.json")["$defs"]
    branches = []
    for kind in KINDS:
        schema = bundled_schema(kind)
        body = {k: v for k, v in schema.items() if k not in ("$schema", "$id", "$defs")}
        branches.append({"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]}, "then": body})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://itsmctl.dev/schemas/v1/record.schema.json",
        "title": "itsm/v1 record (any kind)",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {"kind": {"enum": list(KINDS)}},
        "allOf": branches,
        "$defs": defs,
    }


FRONT_MATTER_SCHEMA = "knowledgearticle.frontmatter.schema.json"
# Filled from the Markdown after the front matter, never written in it.
ARTICLE_BODY = "body"


@cache
def front_matter_metadata() -> tuple[str, ...]:
    """The metadata fields a knowledge article writes at the top of its front matter; the rest is its spec."""
    return tuple(_read("defs.schema.json")["$defs"]["metadata"]["properties"])


def front_matter_schema() -> dict[str, Any]:
    """The front matter of a knowledge article (catalog/knowledge/*.md) as people write it.

    Derived from the KnowledgeArticle record schema, as the loader builds the record:
    metadata fields and spec fields side by side at the top level, ``name`` optional (the
    file's name), no ``body`` (the Markdown after the front matter).
    """
    record = bundled_schema("KnowledgeArticle")
    spec = record["properties"]["spec"]
    metadata = record["$defs"]["metadata"]
    spec_fields = {key: value for key, value in spec["properties"].items() if key != ARTICLE_BODY}
    clash = set(spec_fields) & set(metadata["properties"])
    if clash:  # pragma: no cover - a schema edit that would make front matter ambiguous
        raise ValueError(f"KnowledgeArticle spec fields {sorted(clash)} clash with metadata fields")
    return {
        "$schema": record["$schema"],
        "$id": "https://itsmctl.dev/schemas/v1/" + FRONT_MATTER_SCHEMA,
        "title": "itsm/v1 KnowledgeArticle front matter",
        "description": (
            "The YAML front matter of a knowledge article (catalog/knowledge/*.md), between the '---' lines: "
            "metadata fields (name, title, labels...) and spec fields (owner, reviewDate...) side by side. "
            "name defaults to the file name; the Markdown after the front matter is the article's body."
        ),
        "type": "object",
        "additionalProperties": False,
        "patternProperties": spec.get("patternProperties", {}),
        "required": [name for name in spec.get("required", []) if name != ARTICLE_BODY],
        "properties": {**metadata["properties"], **spec_fields},
        "$defs": record["$defs"],
    }


def exported_schemas() -> dict[str, dict[str, Any]]:
    """Every schema handed to editors and other tools, by file name."""
    documents = {schema_file_name(kind): bundled_schema(kind) for kind in KINDS}
    documents["record.schema.json"] = combined_schema()
    documents[FRONT_MATTER_SCHEMA] = front_matter_schema()
    return documents


@cache
def _fast_validator(kind: str) -> Any:
    return jsonschema_rs.validator_for(bundled_schema(kind))


@cache
def _explaining_validator(kind: str) -> jsonschema.Draft202012Validator:
    import jsonschema

    return jsonschema.Draft202012Validator(bundled_schema(kind))


def is_valid(kind: str, body: object) -> bool:
    return bool(_fast_validator(kind).is_valid(body))


@dataclass(frozen=True)
class SchemaProblem:
    path: KeyPath
    message: str
    hint: str = ""
    # Text was wanted and YAML read a number or boolean: where the source is at hand, the finding says
    # how it was written (``title: 1.10`` is the number 1.1) and to quote it (``load.records``).
    wanted_text: bool = False


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _field(path: KeyPath) -> str:
    shown = ""
    for step in path:
        shown += f"[{step}]" if isinstance(step, int) else (f".{step}" if shown else step)
    return shown or "document"


def _suggest(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def _hint_of(schema: dict[str, Any]) -> str:
    return str(schema.get("x-hint", ""))


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved = root["$defs"][ref.split("/")[-1]]
        merged = {**resolved, **{k: v for k, v in schema.items() if k != "$ref"}}
        return merged
    return schema


def _read_as_text(path: KeyPath, text: str, expected: object) -> SchemaProblem | None:
    """A number or boolean was wanted, and ``text`` is one to some YAML reader but not to every one."""
    wanted = expected if isinstance(expected, list) else [expected]
    if not any(w in ("integer", "number", "boolean") or isinstance(w, (int, float)) for w in wanted):
        return None
    note = reading_note(text)
    if note is None:
        return None
    plain = plain_number(text)
    hint = f"write {plain}" if plain else "write the value plainly (10, 1000, true), or quote it if you mean text"
    return SchemaProblem(
        path, f"{_field(path)}: expected {_expected(expected)}, got the text {_shown(text)}: {note}", hint
    )


def _expected(expected: object) -> str:
    if isinstance(expected, list):
        return " or ".join(str(option) for option in expected)
    return str(expected)


def _explain(error: jsonschema.ValidationError, root: dict[str, Any]) -> Iterator[SchemaProblem]:
    path: KeyPath = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    validator = error.validator
    instance = error.instance
    where = _field(path)
    if validator == "required":
        missing = [name for name in error.validator_value if isinstance(instance, dict) and name not in instance]
        for name in missing:
            prop = _resolve(schema.get("properties", {}).get(name, {}), root)
            description = prop.get("description", "")
            yield SchemaProblem(path, f"{where}: missing required field {name!r}", description)
        return
    if validator == "additionalProperties" and isinstance(instance, dict):
        known = list(schema.get("properties", {}))
        patterns = list(schema.get("patternProperties", {}))
        for key in instance:
            if key in known or any(key.startswith(p.lstrip("^")) for p in patterns):
                continue
            suggestion = _suggest(str(key), known)
            hint = suggestion or (f"known fields: {', '.join(known)}" if known else "")
            yield SchemaProblem((*path, key), f"{where}: unknown field {key!r}", hint)
        return
    if validator in ("enum", "type") and isinstance(instance, str):
        misread = _read_as_text(path, instance, error.validator_value)
        if misread is not None:
            yield misread
            return
    if validator == "enum":
        options = [str(option) for option in error.validator_value]
        hint = _suggest(str(instance), options) if isinstance(instance, str) else ""
        yield SchemaProblem(path, f"{where}: {_shown(instance)} is not one of {', '.join(options)}", hint)
        return
    if validator == "const":
        yield SchemaProblem(path, f"{where}: must be {_shown(error.validator_value)}, not {_shown(instance)}")
        return
    if validator == "type":
        expected = error.validator_value
        expected_text = " or ".join(expected) if isinstance(expected, list) else expected
        wanted_text = "string" in (expected if isinstance(expected, list) else [expected])
        typed = wanted_text and isinstance(instance, (bool, int, float))
        message = f"{where}: expected {expected_text}, got {_shown(instance)}"
        yield SchemaProblem(path, message, _hint_of(schema), typed)
        return
    if validator == "pattern":
        hint = _hint_of(schema) or f"must match {error.validator_value}"
        yield SchemaProblem(path, f"{where}: {_shown(instance)} is not valid", hint)
        return
    if validator in ("oneOf", "anyOf"):
        from jsonschema.exceptions import best_match

        best = best_match(error.context or [])
        if best is not None:
            yield from _explain(best, root)
            return
    yield SchemaProblem(path, f"{where}: {error.message}", _hint_of(schema))


def explain(kind: str, body: object) -> list[SchemaProblem]:
    """Every schema problem of a record, most specific first, deduplicated."""
    root = bundled_schema(kind)
    problems: list[SchemaProblem] = []
    seen: set[tuple[KeyPath, str]] = set()
    for error in sorted(_explaining_validator(kind).iter_errors(body), key=lambda e: list(e.absolute_path).__len__()):
        for problem in _explain(error, root):
            key = (problem.path, problem.message)
            if key not in seen:
                seen.add(key)
                problems.append(problem)
    # JSON has no infinity or NaN: the fast validator rejects them, the explaining one does not.
    problems.extend(_non_finite(body, ()))
    if not problems and not is_valid(kind, body):
        problems.append(SchemaProblem((), "document: does not match its schema"))
    return problems


def _non_finite(value: object, path: KeyPath) -> Iterator[SchemaProblem]:
    if isinstance(value, float) and not math.isfinite(value):
        yield SchemaProblem(
            path, f"{_field(path)}: {value} is not a number JSON can hold", "write a finite number, or quote it as text"
        )
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _non_finite(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _non_finite(item, (*path, index))

"""Backstage's entity rules, written down from its documentation and its catalog model, for the tests.

Independent of ``itsmctl.publish.backstage_names`` on purpose: the exporter's
own helpers are not used to judge the exporter. Sources (Backstage
``@backstage/catalog-model``, Apache-2.0; rules restated here, nothing copied):

- Descriptor format: https://backstage.io/docs/features/software-catalog/descriptor-format
  (metadata.name, labels, annotations, links; Component, Resource, System, Group, User specs)
- ``packages/catalog-model/src/schema/Entity.schema.json`` and ``EntityMeta.schema.json``:
  the envelope (only apiVersion, kind, metadata, spec, relations, status at the top),
  name required, label and annotation values strings, links items with a required url,
  url/title/icon non-empty strings, tags non-empty strings.
- ``packages/catalog-model/src/schema/kinds/{Component,Resource,System,Group,User}.v1alpha1.schema.json``:
  apiVersion backstage.io/v1alpha1 or v1beta1; Component spec requires type, lifecycle, owner;
  Resource type, owner; System owner; Group type, children; User memberOf; every reference a
  non-empty string (dependsOn, members, memberOf, children arrays of them).
- ``packages/catalog-model/src/validation/KubernetesValidatorFunctions.ts``,
  ``CommonValidatorFunctions.ts`` and ``makeValidator.ts``, applied by
  ``entity/policies/FieldFormatEntityPolicy.ts``: entity names and the name part of keys are
  1-63 characters ``^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$``; a key's optional prefix is a
  DNS subdomain (<= 253 characters, dot-separated DNS labels ``^[a-z0-9]+(-[a-z0-9]+)*$`` of
  <= 63); label values are such a name or ""; annotation values any string; tags DNS labels;
  a link url must parse as a URL (WHATWG ``new URL``), its title be a non-blank string, its
  icon an entity-name-shaped string.
- ``entity/policies/ReservedFieldsEntityPolicy.ts``: no label, annotation or spec key may be
  one of apiVersion, kind, uid, etag, generation, name, namespace, labels, annotations, spec.
- ``entity/ref.ts``: a reference is ``[kind:][namespace/]name`` with no ``:`` or ``/`` inside
  the parts; refs compare case-insensitively.

``violations(entity)`` returns every rule an entity breaks (empty when Backstage accepts it);
``dangling(entities)`` every reference that names no exported entity.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any
from urllib.parse import urlsplit

import jsonschema

_NON_EMPTY = {"type": "string", "minLength": 1}
_REFS = {"type": "array", "items": _NON_EMPTY}

ENVELOPE: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"enum": ["backstage.io/v1alpha1", "backstage.io/v1beta1"]},
        "kind": _NON_EMPTY,
        "metadata": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": _NON_EMPTY,
                "namespace": _NON_EMPTY,
                "title": _NON_EMPTY,
                "description": {"type": "string"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
                "tags": {"type": "array", "items": _NON_EMPTY},
                "links": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["url"],
                        "properties": {"url": _NON_EMPTY, "title": _NON_EMPTY, "icon": _NON_EMPTY, "type": _NON_EMPTY},
                    },
                },
            },
        },
        "spec": {"type": "object"},
        "relations": {"type": "array"},
        "status": {"type": "object"},
    },
}

SPECS: dict[str, dict[str, Any]] = {
    "Component": {
        "type": "object",
        "required": ["type", "lifecycle", "owner"],
        "properties": {
            "type": _NON_EMPTY,
            "lifecycle": _NON_EMPTY,
            "owner": _NON_EMPTY,
            "system": _NON_EMPTY,
            "subcomponentOf": _NON_EMPTY,
            "providesApis": _REFS,
            "consumesApis": _REFS,
            "dependsOn": _REFS,
        },
    },
    "Resource": {
        "type": "object",
        "required": ["type", "owner"],
        "properties": {"type": _NON_EMPTY, "owner": _NON_EMPTY, "dependsOn": _REFS, "system": _NON_EMPTY},
    },
    "System": {"type": "object", "required": ["owner"], "properties": {"owner": _NON_EMPTY, "domain": _NON_EMPTY}},
    "Group": {
        "type": "object",
        "required": ["type", "children"],
        "properties": {
            "type": _NON_EMPTY,
            "profile": {
                "type": "object",
                "properties": {"displayName": _NON_EMPTY, "email": _NON_EMPTY, "picture": _NON_EMPTY},
            },
            "parent": _NON_EMPTY,
            "children": _REFS,
            "members": _REFS,
        },
    },
    "User": {
        "type": "object",
        "required": ["memberOf"],
        "properties": {
            "profile": {
                "type": "object",
                "properties": {"displayName": _NON_EMPTY, "email": _NON_EMPTY, "picture": _NON_EMPTY},
            },
            "memberOf": _REFS,
        },
    },
}

RESERVED = {"apiVersion", "kind", "uid", "etag", "generation", "name", "namespace", "labels", "annotations", "spec"}
_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS_LABEL = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_REF = re.compile(r"^(?:(?P<kind>[^:/]+):)?(?:(?P<namespace>[^:/]+)/)?(?P<name>[^:/]+)$")
# Spec fields holding references, and the kind a bare reference defaults to there.
REFERENCE_FIELDS = {
    "owner": "group",
    "system": "system",
    "dependsOn": None,
    "members": "user",
    "memberOf": "group",
    "children": "group",
    "parent": "group",
}


def is_name(value: object) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 63 and _NAME.fullmatch(value) is not None


def _is_dns_subdomain(value: str) -> bool:
    return 1 <= len(value) <= 253 and all(
        1 <= len(p) <= 63 and _DNS_LABEL.fullmatch(p) is not None for p in value.split(".")
    )


def is_key(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = value.split("/")
    if len(parts) == 1:
        return is_name(parts[0])
    return len(parts) == 2 and _is_dns_subdomain(parts[0]) and is_name(parts[1])


def violations(entity: dict[str, Any]) -> list[str]:
    problems = [f"schema: {e.message} at {list(e.absolute_path)}" for e in _validator(ENVELOPE).iter_errors(entity)]
    kind = entity.get("kind")
    if kind not in SPECS:
        return [*problems, f"kind {kind!r} is not one the export should write"]
    problems += [
        f"spec schema: {e.message} at {list(e.absolute_path)}"
        for e in _validator(SPECS[kind]).iter_errors(entity.get("spec"))
    ]
    metadata = entity.get("metadata") or {}
    if not is_name(metadata.get("name")):
        problems.append(f"metadata.name {metadata.get('name')!r}")
    for key, value in (metadata.get("labels") or {}).items():
        if not is_key(key) or key in RESERVED:
            problems.append(f"label key {key!r}")
        if not (value == "" or is_name(value)):
            problems.append(f"label value {key}={value!r}")
    for key in metadata.get("annotations") or {}:
        if not is_key(key) or key in RESERVED:
            problems.append(f"annotation key {key!r}")
    for key in entity.get("spec") or {}:
        if key in RESERVED:
            problems.append(f"spec key {key!r}")
    for tag in metadata.get("tags") or []:
        if not (isinstance(tag, str) and len(tag) <= 63 and _DNS_LABEL.fullmatch(tag)):
            problems.append(f"tag {tag!r}")
    for link in metadata.get("links") or []:
        if not _parses_as_url(link.get("url")):
            problems.append(f"link url {link.get('url')!r}")
        if "title" in link and not (isinstance(link["title"], str) and link["title"].strip()):
            problems.append(f"link title {link['title']!r}")
        if "icon" in link and not is_name(link["icon"]):
            problems.append(f"link icon {link['icon']!r}")
    for field, value in (entity.get("spec") or {}).items():
        if field in REFERENCE_FIELDS:
            for ref in value if isinstance(value, list) else [value]:
                if not (isinstance(ref, str) and _REF.fullmatch(ref.strip())):
                    problems.append(f"spec.{field} reference {ref!r}")
    return problems


def _parses_as_url(value: object) -> bool:
    """A Python stand-in for ``new URL`` (see ``urls_node_rejects`` for the real one): scheme, host for http(s), no blanks."""
    if not isinstance(value, str) or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        return False
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme in ("http", "https"):
        return bool(parts.hostname) and (port is None or 0 <= port <= 65535)
    return bool(re.fullmatch(r"[a-z][a-z0-9+.-]*", parts.scheme))


def _validator(schema: dict[str, Any]) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(schema)


def dangling(entities: list[dict[str, Any]]) -> list[str]:
    """References (owner, system, dependsOn, members, memberOf, ...) to entities the export does not hold."""
    exported = {
        (e["kind"].lower(), (e["metadata"].get("namespace") or "default").lower(), e["metadata"]["name"].lower())
        for e in entities
    }
    missing = []
    for entity in entities:
        for field, default_kind in REFERENCE_FIELDS.items():
            value = (entity.get("spec") or {}).get(field)
            for ref in value if isinstance(value, list) else [value] if value else []:
                match = _REF.fullmatch(ref.strip())
                if match is None:
                    continue  # a violation already
                kind = (match["kind"] or default_kind or "").lower()
                key = (kind, (match["namespace"] or "default").lower(), match["name"].lower())
                if key not in exported:
                    missing.append(f"{entity['kind']} {entity['metadata']['name']}: spec.{field} {ref!r}")
    return missing


def urls_node_rejects(urls: list[str]) -> list[str] | None:
    """The URLs that the WHATWG URL parser (``new URL``, what Backstage uses) rejects; None without Node.js."""
    node = shutil.which("node")
    if node is None or not urls:
        return None if node is None else []
    script = (
        "const urls = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(urls.filter(u => { try { new URL(u); return false; } catch { return true; } })));"
    )
    done = subprocess.run([node, "-e", script], input=json.dumps(urls), capture_output=True, text=True, check=True)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def all_link_urls(entities: list[dict[str, Any]]) -> list[str]:
    return [link["url"] for e in entities for link in e["metadata"].get("links") or []]

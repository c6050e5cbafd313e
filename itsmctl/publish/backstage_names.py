"""Backstage's rules for names, labels, annotations and links, and how records are made to fit them.

The rules are those of ``@backstage/catalog-model`` (``KubernetesValidatorFunctions``,
``CommonValidatorFunctions``, ``FieldFormatEntityPolicy``, ``ReservedFieldsEntityPolicy``),
as documented in https://backstage.io/docs/features/software-catalog/descriptor-format:

- an entity name, a label value (or ``""``) and the name part of a label or
  annotation key: 1 to 63 characters, ``[A-Za-z0-9]`` runs separated by ``-``, ``_``
  or ``.``, starting and ending with a letter or digit;
- the optional ``prefix/`` of a key: a DNS subdomain (at most 253 characters of
  dot-separated ``[a-z0-9]+(-[a-z0-9]+)*`` labels of at most 63 characters);
- labels and annotations may not use the reserved field names (``name``, ``kind``, ...);
- a link's ``url`` must parse as a URL, its ``title`` be a non-blank string.

Names are compared case-insensitively by Backstage, so normalised names are lowercase.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

_OBJECT_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
_DNS_LABEL = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*\Z")
RESERVED_FIELDS = frozenset(
    {"apiVersion", "kind", "uid", "etag", "generation", "name", "namespace", "labels", "annotations", "spec"}
)
# http(s) with a plain host name and an optional port, or mailto: what every URL parser takes.
_WEB_URL = re.compile(r"^https?://(?P<host>[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:(?P<port>\d{1,5}))?([/?#]\S*)?\Z")
_MAILTO = re.compile(r"^mailto:[^\s@]+@[^\s@]+\Z")
# A host whose last label looks like a number is parsed as an IPv4 address (WHATWG URL), and
# fails unless it is one: only a plain dotted quad is taken.
_NUMERIC_LABEL = re.compile(r"^(\d+|0[xX][0-9A-Fa-f]*)\Z")
_DOTTED_QUAD = re.compile(r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\Z")
_NOT_NAME = re.compile(r"[^a-z0-9_.-]+")
_EDGE = re.compile(r"^[^a-z0-9]+|[^a-z0-9]+$")


def is_object_name(value: object) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 63 and _OBJECT_NAME.match(value) is not None


def is_label_value(value: object) -> bool:
    return value == "" or is_object_name(value)


def _is_dns_subdomain(value: str) -> bool:
    return 1 <= len(value) <= 253 and all(len(part) <= 63 and _DNS_LABEL.match(part) for part in value.split("."))


def is_key(value: object) -> bool:
    """A label or annotation key: ``name`` or ``prefix/name``, and not a reserved field name."""
    if not isinstance(value, str) or value in RESERVED_FIELDS:
        return False
    parts = value.split("/")
    if len(parts) == 1:
        return is_object_name(parts[0])
    return len(parts) == 2 and _is_dns_subdomain(parts[0]) and is_object_name(parts[1])


def is_url(value: object) -> bool:
    """A URL every parser accepts; anything unusual (spaces, odd hosts) is refused rather than risked."""
    if not isinstance(value, str) or any(ord(c) < 33 or ord(c) == 127 for c in value):
        return False
    web = _WEB_URL.match(value)
    if web:
        host, port = web.group("host"), web.group("port")
        if _NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]) and not _DOTTED_QUAD.match(host):
            return False
        return port is None or int(port) <= 65535
    return _MAILTO.match(value) is not None


def label_text(value: object) -> str:
    """A label value as text, spelled as YAML and JSON spell it (``true``, not Python's ``True``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def normalise(text: str) -> str:
    """A lowercase entity name for ``text``: invalid runs become ``-``, edges trimmed, at most 63 characters."""
    name = _EDGE.sub("", _NOT_NAME.sub("-", text.strip().lower()))
    if len(name) > 63:
        name = _EDGE.sub("", name[:63])
    return name or f"x-{_digest(text)}"


@dataclass
class NameTable:
    """Entity names of one kind: normalised deterministically, never two originals on one name.

    Originals that differ only in case are one entity (Backstage compares names
    case-insensitively). When two different originals normalise to the same name,
    the first in sorted order keeps it and the others get a suffix from a hash of
    their original text; every such collision is noted.
    """

    kind: str
    names: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Exported name -> the (casefolded) original that has it.
    owner_of: dict[str, str] = field(default_factory=dict)

    def assign(self, originals: list[str]) -> None:
        """Name ``originals``; call it once with all of them, so the outcome does not depend on their order."""
        owner_of = self.owner_of
        for original in sorted(set(originals), key=lambda o: (o.casefold(), o)):
            key = original.casefold()
            if key in self.names:
                continue
            name = normalise(original)
            if name in owner_of and owner_of[name] != key:
                unique = f"{_EDGE.sub('', name[:52])}-{_digest(original)}"
                self.notes.append(
                    f"{self.kind} {original!r} and {owner_of[name]!r} both normalise to {name!r}; "
                    f"exported as {unique!r}"
                )
                name = unique
            owner_of[name] = key
            self.names[key] = name

    def __getitem__(self, original: str) -> str:
        key = original.casefold()
        if key not in self.names:
            self.assign([original])
        return self.names[key]

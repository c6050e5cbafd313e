"""Backstage ``catalog-info.yaml`` entities from the same records.

Teams become Groups and their members Users; services become Components, CIs
Resources, and each system (a service's ``spec.system``, else its ``domain``
label) a System owned by the team that owns most of its services. Every entity
keeps Backstage's entity rules (see ``backstage_names``) for any record that
``validate`` accepts: names are normalised without collisions, label values
Backstage would reject are kept in the ``itsm/labels`` annotation instead, links
that are not plain URLs are left out, and every reference points to an entity
of the same export. Whatever had to be changed is returned as notes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from itsmctl.load.omitted import Omission
from itsmctl.load.yaml_scalars import STR, reading_note, resolve_plain
from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import ConfigurationItem, Service, Team
from itsmctl.model.record import Record
from itsmctl.publish.backstage_names import NameTable, is_key, is_label_value, is_url, label_text
from itsmctl.report import omitted as omitted_note
from itsmctl.report.destination import write_text_file

API_VERSION = "backstage.io/v1alpha1"
# Backstage's well-known lifecycles are experimental, production and deprecated.
_LIFECYCLE = {
    "experimental": "experimental",
    "development": "experimental",
    "production": "production",
    "deprecated": "deprecated",
    "retired": "deprecated",
}


@dataclass
class BackstageExport:
    entities: list[dict[str, Any]] = field(default_factory=list)
    # What had to change to fit Backstage's rules (collisions, moved labels, dropped links).
    notes: list[str] = field(default_factory=list)


@dataclass
class _Names:
    groups: NameTable = field(default_factory=lambda: NameTable("team"))
    users: NameTable = field(default_factory=lambda: NameTable("member"))
    systems: NameTable = field(default_factory=lambda: NameTable("system"))
    components: NameTable = field(default_factory=lambda: NameTable("service"))
    resources: NameTable = field(default_factory=lambda: NameTable("CI"))

    def tables(self) -> list[NameTable]:
        return [self.groups, self.users, self.systems, self.components, self.resources]

    def group(self, team_ref: str) -> str:
        return f"group:default/{self.groups[team_ref.partition(':')[2]]}"

    def dependency(self, ref: str) -> str | None:
        prefix, _, name = ref.partition(":")
        if prefix == "service":
            return f"component:default/{self.components[name]}"
        if prefix == "ci":
            return f"resource:default/{self.resources[name]}"
        return None


def _system_of(service: Service) -> str | None:
    system = service.record.spec.get("system")
    if not (isinstance(system, str) and system.strip()):
        system = service.record.labels.get("domain")
    text = label_text(system).strip() if system is not None else ""
    return text or None


def _members(team: Team) -> list[str]:
    return sorted(set(team.members), key=lambda m: (m.casefold(), m))


def _metadata(
    record: Record,
    name: str,
    notes: list[str],
    annotations: dict[str, str],
    extra_links: Sequence[tuple[str, object]] = (),
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "title": record.title}
    description = record.metadata.get("description")
    if isinstance(description, str) and description.strip():
        metadata["description"] = description
    labels: dict[str, str] = {}
    moved: dict[str, str] = {}
    for key, value in sorted(record.labels.items()):
        text = label_text(value)
        if is_key(key) and is_label_value(text):
            labels[key] = text
        else:
            moved[str(key)] = text
            notes.append(
                f"{record.ref}: label {key!r}: {text!r} does not fit Backstage's label rules; "
                "kept in the itsm/labels annotation"
            )
    if labels:
        metadata["labels"] = labels
    if moved:
        annotations["itsm/labels"] = json.dumps(moved, ensure_ascii=False, sort_keys=True)
    if annotations:
        metadata["annotations"] = dict(sorted(annotations.items()))
    links = _links(record, notes, extra_links)
    if links:
        metadata["links"] = links
    return metadata


def _links(record: Record, notes: list[str], extra: Sequence[tuple[str, object]] = ()) -> list[dict[str, str]]:
    found: list[tuple[str, object]] = [
        (str(link.get("title") or ""), link.get("url"))
        for link in record.metadata.get("links") or ()
        if isinstance(link, dict)
    ]
    links: list[dict[str, str]] = []
    for title, url in [*found, *extra]:
        if not is_url(url):
            notes.append(f"{record.ref}: link {url!r} is not a URL Backstage accepts; left out")
            continue
        link = {"url": str(url)}
        if title.strip():
            link["title"] = title
        links.append(link)
    return links


def _entity(kind: str, metadata: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": metadata, "spec": spec}


def _group(team: Team, names: _Names, notes: list[str]) -> dict[str, Any]:
    annotations: dict[str, str] = {}
    if team.github_team and "/" in team.github_team:
        annotations["github.com/team-slug"] = team.github_team
    if team.lead:
        annotations["itsm/lead"] = team.lead
    extra = [("Contact", team.contact["url"])] if team.contact.get("url") else []
    metadata = _metadata(team.record, names.groups[team.name], notes, annotations, extra)
    profile = {"displayName": team.record.title}
    if team.contact.get("email"):
        profile["email"] = team.contact["email"]
    spec = {
        "type": "team",
        "profile": profile,
        "children": [],
        "members": [f"user:default/{names.users[m]}" for m in _members(team)],
    }
    return _entity("Group", metadata, spec)


def _users(catalog: Catalog, names: _Names) -> list[dict[str, Any]]:
    groups_of: dict[str, set[str]] = {}
    spelling: dict[str, str] = {}
    for team in sorted(catalog.teams.values(), key=lambda t: t.name):
        for member in _members(team):
            user = names.users[member]
            groups_of.setdefault(user, set()).add(f"group:default/{names.groups[team.name]}")
            spelling.setdefault(user, member)
    users = []
    for user in sorted(groups_of):
        member = spelling[user]
        spec: dict[str, Any] = {"memberOf": sorted(groups_of[user])}
        metadata: dict[str, Any] = {"name": user}
        if "@" in member:
            spec["profile"] = {"email": member}
        else:
            metadata["annotations"] = {"github.com/user-login": member}
        users.append(_entity("User", metadata, spec))
    return users


def _system_owner(services: list[Service], catalog: Catalog) -> str:
    """The team owning most of the system's services (existing teams first; ties: by name)."""
    counts = Counter(s.owner for s in services)
    return min(counts, key=lambda ref: (ref.partition(":")[2] not in catalog.teams, -counts[ref], ref))


def _component(service: Service, names: _Names, notes: list[str]) -> dict[str, Any]:
    annotations = {"itsm/tier": str(service.tier), "itsm/lifecycle": service.lifecycle}
    if service.sla:
        annotations["itsm/sla"] = service.sla
    repository = service.record.spec.get("repository")
    extra = [("Source repository", repository)] if repository else []
    metadata = _metadata(service.record, names.components[service.name], notes, annotations, extra)
    spec: dict[str, Any] = {
        "type": "service",
        "lifecycle": _LIFECYCLE.get(service.lifecycle, "experimental"),
        "owner": names.group(service.owner),
    }
    if system := _system_of(service):
        spec["system"] = f"system:default/{names.systems[system]}"
    spec["dependsOn"] = [d for d in (names.dependency(ref) for ref in service.depends_on) if d]
    return _entity("Component", metadata, spec)


def _resource(item: ConfigurationItem, names: _Names, notes: list[str]) -> dict[str, Any]:
    metadata = _metadata(item.record, names.resources[item.name], notes, {"itsm/environment": item.environment})
    spec = {
        "type": item.type,
        "owner": names.group(item.owner),
        "dependsOn": [d for d in (names.dependency(ref) for ref in item.depends_on) if d],
    }
    return _entity("Resource", metadata, spec)


def backstage_export(catalog: Catalog) -> BackstageExport:
    """Every entity, in a fixed order (kind, then name), and the notes on what had to change."""
    names = _Names()
    teams = sorted(catalog.teams.values(), key=lambda t: t.name)
    services = sorted(catalog.services.values(), key=lambda s: s.name)
    cis = sorted(catalog.cis.values(), key=lambda c: c.name)
    systems: dict[str, list[Service]] = {}
    for service in services:
        if system := _system_of(service):
            systems.setdefault(system, []).append(service)
    # Name everything up front, from sorted lists: the names do not depend on the order of use.
    owners = {s.owner for s in services} | {c.owner for c in cis}
    names.groups.assign([t.name for t in teams] + [ref.partition(":")[2] for ref in owners])
    names.users.assign([m for t in teams for m in _members(t)])
    names.systems.assign(list(systems))
    names.components.assign([s.name for s in services])
    names.resources.assign([c.name for c in cis])
    export = BackstageExport()
    notes = export.notes
    export.entities.extend(_group(team, names, notes) for team in teams)
    export.entities.extend(_users(catalog, names))
    by_name: dict[str, tuple[str, list[Service]]] = {}
    for system, members in systems.items():
        entry = by_name.setdefault(names.systems[system], (system, []))
        entry[1].extend(members)
    for name, (title, members) in sorted(by_name.items()):
        metadata = {"name": name, "title": title}
        export.entities.append(_entity("System", metadata, {"owner": names.group(_system_owner(members, catalog))}))
    export.entities.extend(_component(service, names, notes) for service in services)
    export.entities.extend(_resource(item, names, notes) for item in cis)
    for table in names.tables():
        notes.extend(table.notes)
    return export


class _TextDumper(yaml.SafeDumper):
    """PyYAML writes YAML 1.1: text that only YAML 1.2 reads as a number (``1e3``, ``0o17``, ``-.5e3``) it
    leaves unquoted, and Backstage (a YAML 1.2 reader) then gets a number where a label value or a title
    must be text. Any text that some YAML reader takes for something else is quoted."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    ambiguous = resolve_plain(text) != STR or reading_note(text) is not None
    return dumper.represent_scalar(STR, text, style="'" if ambiguous else None)


_TextDumper.add_representer(str, _represent_text)


def render_backstage(export: BackstageExport, omitted: Sequence[Omission] = ()) -> str:
    """The YAML stream; what the catalog left out is said in comments at the top."""
    head = "".join(f"{line}\n" for line in omitted_note.comment_lines(omitted, "#"))
    return head + yaml.dump_all(export.entities, Dumper=_TextDumper, sort_keys=False, allow_unicode=True)


def write_backstage(export: BackstageExport, out: Path, omitted: Sequence[Omission] = ()) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    target = out / "catalog-info.yaml"
    write_text_file(target, render_backstage(export, omitted))
    return target

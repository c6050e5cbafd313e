"""Backstage ``catalog-info.yaml`` entities from the same records.

Services become Components, CIs Resources, teams Groups, and each ``system``
(a service's ``spec.system``, else its ``domain`` label) a System.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from itsmctl.model.catalog import Catalog
from itsmctl.report.destination import write_text_file

_TIER_LIFECYCLE = {"experimental": "experimental", "development": "experimental", "production": "production"}


def _entity_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", name)[:63] or "unnamed"


def _system_of(service: Any) -> str | None:
    system = service.record.spec.get("system") or service.record.labels.get("domain")
    return _entity_name(str(system)) if system else None


def backstage_entities(catalog: Catalog) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = []
    for name, team in sorted(catalog.teams.items()):
        entities.append(
            {
                "apiVersion": "backstage.io/v1alpha1",
                "kind": "Group",
                "metadata": {"name": _entity_name(name), "title": team.record.title},
                "spec": {"type": "team", "children": [], "members": [m for m in team.members if "@" not in m]},
            }
        )
    systems = sorted({s for service in catalog.services.values() if (s := _system_of(service))})
    for system in systems:
        entities.append(
            {
                "apiVersion": "backstage.io/v1alpha1",
                "kind": "System",
                "metadata": {"name": system},
                "spec": {"owner": "group:default/cab" if "cab" in catalog.teams else "unknown"},
            }
        )
    for name, service in sorted(catalog.services.items()):
        spec: dict[str, Any] = {
            "type": "service",
            "lifecycle": _TIER_LIFECYCLE.get(service.lifecycle, "deprecated"),
            "owner": f"group:default/{_entity_name(service.owner.split(':', 1)[1])}",
            "dependsOn": [
                f"{'component' if d.startswith('service:') else 'resource'}:default/{_entity_name(d.split(':', 1)[1])}"
                for d in service.depends_on
            ],
        }
        if system := _system_of(service):
            spec["system"] = system
        entities.append(
            {
                "apiVersion": "backstage.io/v1alpha1",
                "kind": "Component",
                "metadata": {
                    "name": _entity_name(name),
                    "title": service.record.title,
                    "description": str(service.record.metadata.get("description", "")),
                    "labels": {k: str(v) for k, v in service.record.labels.items()},
                    "annotations": {"itsm/tier": str(service.tier)},
                },
                "spec": spec,
            }
        )
    for name, item in sorted(catalog.cis.items()):
        entities.append(
            {
                "apiVersion": "backstage.io/v1alpha1",
                "kind": "Resource",
                "metadata": {
                    "name": _entity_name(name),
                    "title": item.record.title,
                    "annotations": {"itsm/environment": item.environment},
                },
                "spec": {
                    "type": item.type,
                    "owner": f"group:default/{_entity_name(item.owner.split(':', 1)[1])}",
                    "dependsOn": [
                        f"resource:default/{_entity_name(d.split(':', 1)[1])}"
                        for d in item.depends_on
                        if d.startswith("ci:")
                    ],
                },
            }
        )
    return entities


def write_backstage(catalog: Catalog, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    target = out / "catalog-info.yaml"
    text = yaml.safe_dump_all(backstage_entities(catalog), sort_keys=False, allow_unicode=True)
    write_text_file(target, text)
    return target

"""Standard changes: does a change stay inside the pre-approved template it names?"""

from __future__ import annotations

from collections.abc import Callable

from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import Change, ConfigurationItem, Service, StandardChange
from itsmctl.model.labels import labels_match
from itsmctl.model.plans import plan_quality

_LEVEL_ORDER = ("low", "medium", "high", "critical")
_PLAN_FIELDS = {"implementationPlan": "implementation_plan", "rollbackPlan": "rollback_plan", "testPlan": "test_plan"}


def _target_allowed(template: StandardChange, ref: str, catalog: Catalog) -> bool:
    if ref in template.services or ref in template.cis:
        return True
    item = catalog.typed(ref)
    if isinstance(item, ConfigurationItem) and item.type in template.ci_types:
        return True
    if isinstance(item, Service) and item.tier in template.tiers:
        return True
    if template.labels and item is not None:
        return labels_match(template.labels, item.record.labels)
    return False


def template_problems(
    change: Change, catalog: Catalog, risk_level: str | Callable[[], str]
) -> tuple[StandardChange | None, list[str]]:
    """The template a standard change names, and every way the change leaves it.

    ``risk_level`` may be a function: the risk is only computed when the
    template caps it below critical.
    """
    if change.type != "standard":
        return None, []
    if not change.template:
        return None, ["a standard change must name its pre-approved template in spec.template"]
    template = catalog.typed(change.template)
    if not isinstance(template, StandardChange):
        return None, [f"template {change.template} does not exist"]
    problems = []
    for ref in change.target_refs:
        if not _target_allowed(template, ref, catalog):
            problems.append(f"{ref} is not among the targets {change.template} allows")
    if template.max_risk != "critical":
        level = risk_level() if callable(risk_level) else risk_level
        if _LEVEL_ORDER.index(level) > _LEVEL_ORDER.index(template.max_risk):
            problems.append(f"risk is {level}; {change.template} pre-approves at most {template.max_risk}")
    for name in template.required_fields:
        if name == "window":
            missing = change.window is None
        elif name == "description":
            missing = not change.description.strip()
        else:
            missing = plan_quality(getattr(change, _PLAN_FIELDS[name]), thin_below=1) == "missing"
        if missing:
            problems.append(f"{change.template} requires spec.{name}")
    if template.max_duration and change.window and change.window.length > template.max_duration:
        problems.append(f"the window is longer than the {template.max_duration} {change.template} allows")
    return template, problems


def template_match(change: Change, catalog: Catalog, risk_level: str | Callable[[], str]) -> str | None:
    """The name of the template that pre-approves the change, or None."""
    template, problems = template_problems(change, catalog, risk_level)
    return template.name if template is not None and not problems else None

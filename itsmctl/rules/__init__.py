"""Built-in rules, registered in one explicit table (documentation order)."""

from __future__ import annotations

from itsmctl.rules import (
    alias_bomb,
    approved_scope_edit,
    change_id_collision,
    change_window,
    complex_key,
    dangling_reference,
    deceptive_name,
    dependency_cycle,
    direct_commit,
    duplicate_key,
    duplicate_name,
    duplicate_target,
    emergency_without_pir,
    empty_document,
    encoding,
    file_too_large,
    freeze_violation,
    governance_owner,
    history_rewrite,
    illegal_transition,
    incident_timeline,
    invalid_record,
    invalid_value,
    maintenance_window,
    missing_approval,
    not_a_mapping,
    not_a_regular_file,
    outside_maintenance,
    outside_window,
    owner_members,
    p1_needs_problem,
    placeholder_plan,
    policy_expression,
    policy_rule,
    recursive_alias,
    risk_weights,
    schedule_conflict,
    schema,
    self_approval,
    stale_article,
    standard_change,
    tier_sla,
    too_deep,
    unknown_kind,
    unsafe_path,
    unsafe_tag,
    untrusted_evidence,
    window_order,
    wrong_kind_reference,
    yaml_syntax,
)
from itsmctl.rules.base import RuleInfo

_MODULES = (
    # Reading files
    yaml_syntax,
    duplicate_key,
    unsafe_tag,
    alias_bomb,
    recursive_alias,
    risk_weights,
    too_deep,
    complex_key,
    file_too_large,
    freeze_violation,
    history_rewrite,
    encoding,
    emergency_without_pir,
    empty_document,
    not_a_mapping,
    outside_maintenance,
    unsafe_path,
    not_a_regular_file,
    deceptive_name,
    # Records
    unknown_kind,
    schema,
    invalid_value,
    maintenance_window,
    duplicate_name,
    dangling_reference,
    wrong_kind_reference,
    dependency_cycle,
    direct_commit,
    owner_members,
    p1_needs_problem,
    placeholder_plan,
    tier_sla,
    window_order,
    change_window,
    duplicate_target,
    maintenance_window,
    placeholder_plan,
    standard_change,
    # Incidents, problems, knowledge
    incident_timeline,
    p1_needs_problem,
    stale_article,
    # Schedule
    schedule_conflict,
    freeze_violation,
    history_rewrite,
    outside_maintenance,
    # Change flow (reported by plan)
    illegal_transition,
    approved_scope_edit,
    change_id_collision,
    missing_approval,
    # Audit of history
    self_approval,
    direct_commit,
    emergency_without_pir,
    outside_window,
    history_rewrite,
    untrusted_evidence,
    invalid_record,
    # Policies
    governance_owner,
    policy_expression,
    policy_rule,
    risk_weights,
)

REGISTRY: dict[str, RuleInfo] = {module.ID: RuleInfo.from_module(module) for module in _MODULES}


def rule_info(rule_id: str) -> RuleInfo | None:
    """The rule behind an id; policy rules (POLICY/RULE) share one entry."""
    if rule_id in REGISTRY:
        return REGISTRY[rule_id]
    if "/" in rule_id:
        return REGISTRY[policy_rule.ID]
    return None

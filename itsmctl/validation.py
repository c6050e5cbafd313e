"""``validate``: load a repository, run every rule and policy, return the findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from itsmctl.findings import Finding, sort_findings
from itsmctl.load.gcpause import gc_paused
from itsmctl.load.records import LoadResult
from itsmctl.load.repository import load_tree
from itsmctl.policy.engine import compile_policies, evaluate_policies
from itsmctl.rules import REGISTRY
from itsmctl.rules.base import CheckContext


@dataclass
class ValidationResult:
    findings: list[Finding]
    files: list[str]
    records: int
    # Descriptions of the policy rules in force, for formatters (SARIF rule list).
    policy_rules: dict[str, str] = field(default_factory=dict)


def check_loaded(loaded: LoadResult, ctx: CheckContext | None = None) -> ValidationResult:
    """Run every built-in rule and every policy rule over loaded records.

    Pass ``ctx`` to keep what the rules computed and shared (the planning context, say) for later use.
    """
    ctx = ctx or CheckContext(loaded.catalog, loaded.locator)
    if not ctx.files:
        ctx.files = tuple(loaded.files)
    findings = list(loaded.findings)
    with gc_paused():
        for info in REGISTRY.values():
            if info.check is not None:
                findings.extend(info.check(ctx))
        compiled, policy_findings = compile_policies(ctx)
        findings.extend(policy_findings)
        if not loaded.policies_checked:
            findings.extend(evaluate_policies(ctx, compiled))
    descriptions = {rule.id: rule.rule.description or rule.rule.message for rule in compiled}
    return ValidationResult(sort_findings(findings), loaded.files, len(loaded.catalog.records), descriptions)


def validate_path(root: Path, use_cache: bool = True) -> ValidationResult:
    return check_loaded(load_tree(root, use_cache=use_cache))

"""Evaluate the CEL rules of every Policy record against the records they match."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from itsmctl.findings import Finding, Severity
from itsmctl.model.kinds import KeyPath, Policy, PolicyRule
from itsmctl.model.record import Record
from itsmctl.policy.cel import CelError, Expression, activation, compile_expression
from itsmctl.rules.base import CheckContext

EXPRESSION_RULE = "policy-expression"


@dataclass(frozen=True)
class CompiledRule:
    policy: Policy
    rule: PolicyRule
    when: Expression | None
    assertion: Expression

    @property
    def id(self) -> str:
        return policy_rule_id(self.policy.name, self.rule.id)

    def matches(self, record: Record) -> bool:
        rule = self.rule
        if rule.kinds and record.kind not in rule.kinds:
            return False
        if rule.names and record.name not in rule.names:
            return False
        labels = record.labels
        return all(labels.get(key) == value for key, value in rule.labels.items())


def policy_rule_id(policy: str, rule: str) -> str:
    return f"{policy}/{rule}"


def compile_policies(ctx: CheckContext) -> tuple[list[CompiledRule], list[Finding]]:
    """Compile every rule and approval condition; a bad expression is a finding at its line."""
    compiled: list[CompiledRule] = []
    findings: list[Finding] = []

    def compile_at(policy: Policy, path: KeyPath, label: str, source: str) -> Expression | None:
        try:
            return compile_expression(source)
        except CelError as error:
            message = f"{label} does not compile: {error}"
            findings.append(ctx.finding(EXPRESSION_RULE, Severity.ERROR, policy.record, path, message))
            return None

    for policy in ctx.catalog.policies.values():
        for rule in policy.rules:
            base: KeyPath = ("spec", "rules", rule.index)
            assertion = compile_at(policy, (*base, "assert"), f"rule {rule.id!r}: assert", rule.assertion)
            when = None
            if rule.when is not None:
                when = compile_at(policy, (*base, "when"), f"rule {rule.id!r}: when", rule.when)
                if when is None:
                    continue
            if assertion is not None:
                compiled.append(CompiledRule(policy, rule, when, assertion))
        for requirement in policy.approvals:
            if requirement.when is not None:
                path: KeyPath = ("spec", "approvals", requirement.index, "when")
                compile_at(policy, path, f"approval {requirement.id!r}: when", requirement.when)
    return compiled, findings


def record_variables(record: Record) -> dict[str, Any]:
    """What a rule's expression can see about a record."""
    body = record.body
    return {"record": body, "kind": record.kind, "name": record.name, "metadata": record.metadata, "spec": record.spec}


def _field_path(rule: PolicyRule) -> tuple[str | int, ...]:
    if not rule.field:
        return ("metadata", "name")
    return tuple(int(part) if part.isdigit() else part for part in rule.field.split("."))


def _evaluate(compiled: CompiledRule, context: Any) -> bool:
    if compiled.when is not None:
        applies = compiled.when.evaluate(context)
        if not isinstance(applies, bool):
            raise CelError(f"when returned {type(applies).__name__}, not a boolean")
        if not applies:
            return True
    result = compiled.assertion.evaluate(context)
    if not isinstance(result, bool):
        raise CelError(f"assert returned {type(result).__name__}, not a boolean")
    return result


def evaluate_policies(ctx: CheckContext, rules: list[CompiledRule]) -> Iterator[Finding]:
    if not rules:
        return
    by_kind: dict[str, list[CompiledRule]] = {}
    for compiled in rules:
        for kind in compiled.rule.kinds or ("*",):
            by_kind.setdefault(kind, []).append(compiled)
    catch_all = by_kind.get("*", [])
    for record in ctx.catalog.records:
        if not record.schema_valid:
            continue  # rules are written against valid records; schema findings come first
        candidates = [rule for rule in by_kind.get(record.kind, []) + catch_all if rule.matches(record)]
        if not candidates:
            continue
        context = activation(record_variables(record))
        for compiled in candidates:
            try:
                passed = _evaluate(compiled, context)
            except CelError as error:
                yield ctx.finding(
                    EXPRESSION_RULE,
                    Severity.ERROR,
                    record,
                    ("metadata", "name"),
                    f"policy rule {compiled.id} cannot be evaluated here: {error}",
                    "guard optional fields with has(spec.field)",
                )
                continue
            if not passed:
                yield ctx.finding(
                    compiled.id,
                    Severity.parse(compiled.rule.severity),
                    record,
                    _field_path(compiled.rule),
                    compiled.rule.message,
                    compiled.rule.description,
                )

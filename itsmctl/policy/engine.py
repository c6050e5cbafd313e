"""Evaluate the CEL rules of every Policy record against the records they match."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from itsmctl.findings import Finding, Location, Severity
from itsmctl.load.locate import Locator
from itsmctl.model.kinds import KeyPath, Policy, PolicyRule
from itsmctl.model.labels import labels_match
from itsmctl.model.record import Record
from itsmctl.policy.cel import (
    TOO_COSTLY,
    CelError,
    Expression,
    activation,
    compile_combined,
    compile_expression,
    field_projection,
)
from itsmctl.policy.cel_bound import RecordSizes
from itsmctl.rules.base import CheckContext

EXPRESSION_RULE = "policy-expression"
EVALUATION_HINT = "guard optional fields with has(spec.field); check divisors and types"
COST_HINT = (
    "keep the work linear in the record: no search of one list inside a comprehension over another "
    "(test membership in a map), no map() or filter() over long lists"
)


@dataclass(frozen=True)
class CompiledRule:
    policy: Policy
    rule: PolicyRule
    when: Expression | None
    assertion: Expression

    @property
    def id(self) -> str:
        return policy_rule_id(self.policy.name, self.rule.id)

    @property
    def variables(self) -> frozenset[str]:
        used = self.assertion.variables | (self.when.variables if self.when else frozenset())
        return used & RECORD_VARIABLES

    @property
    def expressions(self) -> tuple[Expression, ...]:
        return (self.when, self.assertion) if self.when is not None else (self.assertion,)

    def matches(self, record: Record) -> bool:
        rule = self.rule
        if rule.kinds and record.kind not in rule.kinds:
            return False
        if rule.names and record.name not in rule.names:
            return False
        return labels_match(rule.labels, record.labels)


def policy_rule_id(policy: str, rule: str) -> str:
    return f"{policy}/{rule}"


@dataclass(frozen=True)
class CompileProblem:
    policy: Policy
    path: KeyPath
    message: str


def compile_rules(policies: Iterable[Policy]) -> tuple[list[CompiledRule], list[CompileProblem]]:
    """Compile every rule and approval condition of the policies; report what does not compile."""
    compiled: list[CompiledRule] = []
    problems: list[CompileProblem] = []

    def compile_at(policy: Policy, path: KeyPath, label: str, source: str) -> Expression | None:
        try:
            return compile_expression(source)
        except CelError as error:
            problems.append(CompileProblem(policy, path, f"{label} does not compile: {error}"))
            return None

    for policy in policies:
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
    return compiled, problems


def compile_policies(ctx: CheckContext) -> tuple[list[CompiledRule], list[Finding]]:
    """Compile the catalog's policies; a bad expression is a finding at its line."""
    compiled, problems = compile_rules(ctx.catalog.policies.values())
    findings = [ctx.finding(EXPRESSION_RULE, Severity.ERROR, p.policy.record, p.path, p.message) for p in problems]
    return compiled, findings


RECORD_VARIABLES = frozenset({"record", "kind", "name", "metadata", "spec"})


Projection = dict[str, frozenset[str] | None]


def record_variables(
    record: Record, wanted: frozenset[str] = RECORD_VARIABLES, projection: Projection | None = None
) -> dict[str, Any]:
    """What a rule's expression can see about a record.

    Converting values to CEL costs more than evaluating them, so only the
    variables the rules read are passed, and of a map only the fields they
    can observe (see ``field_projection``).
    """
    values = {
        "record": record.body,
        "kind": record.kind,
        "name": record.name,
        "metadata": record.metadata,
        "spec": record.spec,
    }
    result = {}
    for name in wanted:
        value = values[name]
        fields = projection.get(name) if projection else None
        if fields is not None and isinstance(value, dict):
            value = {key: value[key] for key in fields if key in value}
        result[name] = value
    return result


def _field_path(rule: PolicyRule) -> tuple[str | int, ...]:
    if not rule.field:
        return ("metadata", "name")
    return tuple(int(part) if part.isdigit() else part for part in rule.field.split("."))


@dataclass(frozen=True)
class RuleFailure:
    """A rule that could not be evaluated on a record: which part (``when`` or ``assert``) and why."""

    part: str
    message: str


def _evaluate(compiled: CompiledRule, context: Any, sizes: RecordSizes) -> bool | RuleFailure:
    if compiled.when is not None:
        try:
            compiled.when.check_cost(sizes)
            applies = compiled.when.evaluate(context)
        except CelError as error:
            return RuleFailure("when", str(error))
        if not isinstance(applies, bool):
            return RuleFailure("when", f"when returned {type(applies).__name__}, not a boolean")
        if not applies:
            return True
    try:
        compiled.assertion.check_cost(sizes)
        result = compiled.assertion.evaluate(context)
    except CelError as error:
        return RuleFailure("assert", str(error))
    if not isinstance(result, bool):
        return RuleFailure("assert", f"assert returned {type(result).__name__}, not a boolean")
    return result


@dataclass(frozen=True)
class RuleBatch:
    """The rules that apply to one shape of record, evaluated in one CEL call.

    Each call from Python into CEL costs a few microseconds whatever the
    expression; with thirty rules over 27,000 records that dominates. The
    batch is one list expression ``[(when1) ? (assert1) : true, ...]``: one call
    per record. Only when it fails (a rule errors or returns a non-boolean) are
    the rules evaluated one by one, to say which rule and why. (Not
    ``!(when) || assert``: CEL's ``||`` absorbs an error when the other side is
    true, so a ``when`` that fails would pass silently in the batch.)

    ``guarded``: the expressions whose cost can outgrow the allowance on a large record (see
    cel_cost); on each record they are checked first, and when one is over, the rules are
    evaluated one by one so that only it is left out.
    """

    rules: tuple[CompiledRule, ...]
    variables: frozenset[str]
    projection: Projection
    combined: Expression | None
    guarded: tuple[Expression, ...]


def _batch(rules: list[CompiledRule]) -> RuleBatch:
    parts = []
    for rule in rules:
        check = f"({rule.assertion.source})"
        parts.append(f"(({rule.when.source}) ? {check} : true)" if rule.when else check)
    expressions = [expression for rule in rules for expression in rule.expressions]
    try:
        combined: Expression | None = compile_combined("[" + ", ".join(parts) + "]", expressions)
    except CelError:
        combined = None  # evaluate one by one
    variables = frozenset().union(*(rule.variables for rule in rules))
    sources = [expression.source for expression in expressions]
    guarded = tuple(expression for expression in expressions if not expression.cost.always_within)
    return RuleBatch(tuple(rules), variables, field_projection(sources, variables), combined, guarded)


def _results(batch: RuleBatch, context: Any, sizes: RecordSizes) -> list[bool | RuleFailure]:
    affordable = all(sizes.over_budget(e.cost, e.variables) is None for e in batch.guarded)
    if batch.combined is not None and affordable:
        try:
            values = batch.combined.evaluate(context)
        except CelError:
            values = None
        if isinstance(values, list) and all(isinstance(v, bool) for v in values):
            return values  # type: ignore[return-value]
    return [_evaluate(compiled, context, sizes) for compiled in batch.rules]


class PolicyEvaluator:
    """Evaluates compiled rules over records; rule batches are built once per record shape."""

    def __init__(self, rules: list[CompiledRule]) -> None:
        self.rules = rules
        self._by_kind: dict[str, list[CompiledRule]] = {}
        for compiled in rules:
            for kind in compiled.rule.kinds or ("*",):
                self._by_kind.setdefault(kind, []).append(compiled)
        self._catch_all = self._by_kind.get("*", [])
        self._batches: dict[tuple[int, ...], RuleBatch] = {}
        self._expression_locations: dict[tuple[int, str], Location] = {}

    def _expression_location(self, compiled: CompiledRule, part: str, locator: Locator) -> Location:
        """Where the rule's ``when`` or ``assert`` is written (looked up once per rule)."""
        key = (id(compiled), part)
        location = self._expression_locations.get(key)
        if location is None:
            path: KeyPath = ("spec", "rules", compiled.rule.index, part)
            location = self._expression_locations[key] = locator.locate(compiled.policy.record, path)
        return location

    def evaluate(self, records: Iterable[Record], locator: Locator) -> Iterator[Finding]:
        """Findings of every rule over every matching, schema-valid record."""
        if not self.rules:
            return
        for record in records:
            if not record.schema_valid or record.typed is None:
                continue  # rules are written against valid records; schema findings come first
            candidates = [rule for rule in self._by_kind.get(record.kind, []) + self._catch_all if rule.matches(record)]
            if not candidates:
                continue
            key = tuple(id(rule) for rule in candidates)
            batch = self._batches.get(key)
            if batch is None:
                batch = self._batches[key] = _batch(candidates)
            values = record_variables(record, batch.variables, batch.projection)
            context = activation(values)
            for compiled, result in zip(batch.rules, _results(batch, context, RecordSizes(values)), strict=True):
                if isinstance(result, RuleFailure):
                    # At the expression that failed, which is what needs fixing; naming the record
                    # (one finding per record) so the data that made it fail can be found.
                    where = locator.locate(record, ("metadata", "name"))
                    yield Finding(
                        EXPRESSION_RULE,
                        Severity.ERROR,
                        f"policy rule {compiled.id}: {result.part} cannot be evaluated for {record.ref} "
                        f"({where.path}:{where.line}): {result.message}",
                        self._expression_location(compiled, result.part, locator),
                        COST_HINT if result.message.startswith(TOO_COSTLY) else EVALUATION_HINT,
                    )
                elif not result:
                    yield Finding(
                        compiled.id,
                        Severity.parse(compiled.rule.severity),
                        compiled.rule.message,
                        locator.locate(record, _field_path(compiled.rule)),
                        compiled.rule.description,
                    )


def evaluate_policies(ctx: CheckContext, rules: list[CompiledRule]) -> Iterator[Finding]:
    return PolicyEvaluator(rules).evaluate(ctx.catalog.records, ctx.locator)

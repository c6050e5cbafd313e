"""Per-file processing, in parallel for large repositories.

Everything that depends on one file only is done file by file: decoding,
safe YAML, schemas, typed views, and the repository's policy rules (a CEL
rule sees one record). Large repositories are spread over a pool of worker
processes, one per core; the policies are found and compiled first, and each
worker compiles them again from their source (compiled CEL programs do not
cross process boundaries). What needs every record at once (references, the
graph, the schedule) runs afterwards in the main process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from itsmctl.findings import Finding
from itsmctl.load.locate import Locator
from itsmctl.load.records import check_record, load_source
from itsmctl.model.kinds import Policy
from itsmctl.model.record import Record
from itsmctl.policy.engine import CompiledRule, PolicyEvaluator, compile_rules

# Below this much YAML, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 3 * 1024 * 1024
_CHUNK_FILES = 24

Source = tuple[str, bytes]


@dataclass
class Processed:
    records: list[Record] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    policy_rules: dict[str, str] = field(default_factory=dict)


def _process(
    path: str, data: bytes, max_bytes: int, policies: PolicyEvaluator | None
) -> tuple[list[Record], list[Finding]]:
    records, findings = load_source(path, data, max_bytes)
    locator = Locator()
    for record in records:
        findings.extend(check_record(record, locator))
    if policies is not None:
        findings.extend(policies.evaluate(records, locator))
    return records, findings


def _policies_of(records: list[Record]) -> list[Policy]:
    return [r.typed for r in records if r.kind == "Policy" and isinstance(r.typed, Policy)]


# --- worker processes -----------------------------------------------------------------

_worker_policies = PolicyEvaluator([])
_worker_max_bytes = 0


def _init_worker(policy_sources: list[Source], max_bytes: int) -> None:
    import gc

    gc.disable()  # see gcpause: the worker only builds acyclic data
    global _worker_policies, _worker_max_bytes
    records: list[Record] = []
    for path, data in policy_sources:
        loaded, _ = _process(path, data, max_bytes, None)
        records.extend(loaded)
    _worker_policies = PolicyEvaluator(compile_rules(_first_policies(_policies_of(records)))[0])
    _worker_max_bytes = max_bytes


def _work(chunk: list[Source]) -> list[tuple[list[Record], list[Finding]]]:
    return [_process(path, data, _worker_max_bytes, _worker_policies) for path, data in chunk]


def _first_policies(policies: list[Policy]) -> list[Policy]:
    """One policy per name, the first one, as the catalog keeps it."""
    seen: dict[str, Policy] = {}
    for policy in policies:
        seen.setdefault(policy.name, policy)
    return list(seen.values())


def job_count(total_bytes: int, jobs: int | None) -> int:
    if jobs is None:
        configured = os.environ.get("ITSMCTL_JOBS", "")
        jobs = int(configured) if configured.isdigit() and int(configured) > 0 else None
    if jobs is None:
        jobs = (os.cpu_count() or 1) if total_bytes >= PARALLEL_MIN_BYTES else 1
    return max(1, jobs)


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def process_all(sources: Sequence[Source], max_bytes: int, jobs: int | None = None) -> Processed:
    processed = Processed(files=[path for path, _ in sources])
    # Policies first: every other file is checked against them as it is read.
    # A file that defines a Policy says so in its text; anything else is caught below.
    policy_files = [(path, data) for path, data in sources if b"Policy" in data]
    others = [(path, data) for path, data in sources if b"Policy" not in data]
    results: dict[str, tuple[list[Record], list[Finding]]] = {}
    for path, data in policy_files:
        results[path] = _process(path, data, max_bytes, None)
    policies = _first_policies(_policies_of([r for records, _ in results.values() for r in records]))
    rules, _ = compile_rules(policies)
    evaluator = PolicyEvaluator(rules)
    workers = job_count(sum(len(data) for _, data in others), jobs)
    if workers > 1 and len(others) > _CHUNK_FILES:
        chunks = [others[i : i + _CHUNK_FILES] for i in range(0, len(others), _CHUNK_FILES)]
        with _context().Pool(workers, _init_worker, (policy_files, max_bytes)) as pool:
            for chunk, outcomes in zip(chunks, pool.imap(_work, chunks), strict=True):
                for (path, _), outcome in zip(chunk, outcomes, strict=True):
                    results[path] = outcome
    else:
        for path, data in others:
            results[path] = _process(path, data, max_bytes, evaluator)
    # The policy files themselves are checked against the policies, too.
    locator = Locator()
    for path, _ in policy_files:
        records, findings = results[path]
        findings.extend(evaluator.evaluate(records, locator))
    for path, _ in sources:
        records, findings = results[path]
        processed.records.extend(records)
        processed.findings.extend(findings)
    rules = _recheck_if_policies_were_missed(processed, policies, rules)
    processed.policy_rules = {rule.id: rule.rule.description or rule.rule.message for rule in rules}
    return processed


def _recheck_if_policies_were_missed(
    processed: Processed, used: list[Policy], rules: list[CompiledRule]
) -> list[CompiledRule]:
    """A Policy spelled so that its file never says "Policy" (escapes): evaluate everything again."""
    actual = _first_policies(_policies_of(processed.records))
    if [p.record for p in actual] == [p.record for p in used]:
        return rules
    actual_rules, _ = compile_rules(actual)
    stale = {rule.id for rule in rules} | {"policy-expression"}
    processed.findings = [f for f in processed.findings if f.rule not in stale]
    processed.findings.extend(PolicyEvaluator(actual_rules).evaluate(processed.records, Locator()))
    return actual_rules

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
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from itsmctl.findings import Finding
from itsmctl.load import result_codec
from itsmctl.load.cache import FileCache, cache_dir, chunk_key, policy_fingerprint
from itsmctl.load.locate import Locator
from itsmctl.load.records import check_record, decode, load_source
from itsmctl.model.kinds import Policy
from itsmctl.model.record import Record, SourceFile
from itsmctl.policy.engine import CompiledRule, PolicyEvaluator, compile_rules
from itsmctl.workers import quiet_worker

# Below this much YAML, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 3 * 1024 * 1024
_CHUNK_FILES = 24

Source = tuple[str, bytes]
Outcome = tuple[list[Record], list[Finding]]


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
_worker_cache = FileCache(None)
_worker_fingerprint = b""
_worker_keep_bodies = False


def _init_worker(
    policy_sources: list[Source],
    max_bytes: int,
    cache_directory: Path | None,
    cache_key: bytes,
    fingerprint: bytes,
    keep_bodies: bool,
) -> None:
    import gc

    quiet_worker()  # no traceback and no orphan when the command is interrupted or killed
    gc.disable()  # see gcpause: the worker only builds acyclic data
    global _worker_policies, _worker_max_bytes, _worker_cache, _worker_fingerprint, _worker_keep_bodies
    _worker_cache = FileCache(cache_directory, cache_key)
    _worker_fingerprint = fingerprint
    _worker_keep_bodies = keep_bodies
    records: list[Record] = []
    for path, data in policy_sources:
        loaded, _ = _process(path, data, max_bytes, None)
        records.extend(loaded)
    _worker_policies = PolicyEvaluator(compile_rules(_first_policies(_policies_of(records)))[0])
    _worker_max_bytes = max_bytes


def _work(chunk: list[Source]) -> tuple[bytes, bytes | None]:
    """A chunk's results, pickled for the main process (pickle only ever travels between our own
    processes; the cache on disk holds JSON), and, for a caller that reads every record's
    document, the documents too.

    Records cross processes without their body, which is parsed again on demand;
    sending the bodies along costs less than that second parse.
    """
    outcomes = [_process(path, data, _worker_max_bytes, _worker_policies) for path, data in chunk]
    _store(_worker_cache, _worker_fingerprint, chunk, outcomes)
    payload = pickle.dumps(outcomes, protocol=pickle.HIGHEST_PROTOCOL)
    if not _worker_keep_bodies:
        return payload, None
    bodies = [[record.body for record in records] for records, _ in outcomes]
    return payload, pickle.dumps(bodies, protocol=pickle.HIGHEST_PROTOCOL)


def _store(cache: FileCache, fingerprint: bytes, chunk: list[Source], outcomes: list[Outcome]) -> None:
    if cache.directory is not None:
        payload = result_codec.encode(chunk, outcomes)
        if payload is not None:
            cache.put(chunk_key(fingerprint, chunk), payload)


def stable_chunks(sources: Sequence[Source], size: int = _CHUNK_FILES) -> list[list[Source]]:
    """Chunks that survive edits elsewhere: files of one folder, in path order, ``size`` at a time.

    The cache stores whole chunks (a few hundred entries instead of thousands
    of files); adding a file to one folder only moves the chunks of that folder.
    """
    by_folder: dict[str, list[Source]] = {}
    for source in sorted(sources):
        by_folder.setdefault(source[0].rsplit("/", 1)[0], []).append(source)
    return [
        files[i : i + size]
        for folder in sorted(by_folder)
        for files in [by_folder[folder]]
        for i in range(0, len(files), size)
    ]


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


def reattach(result: Outcome, path: str, data: bytes) -> Outcome:
    """Give records that crossed a process their file's text back (it is not pickled)."""
    records, _ = result
    if records and not records[0].source.front_matter and not records[0].source.text:
        text, _ = decode(path, data)
        source = SourceFile(path, text or "")
        for record in records:
            record.source = source
    return result


def _cached(cache: FileCache, fingerprint: bytes, chunk: list[Source]) -> list[Outcome] | None:
    """The chunk's outcomes from an intact entry of ours; None (a miss) for anything else.

    Like records from a worker, they come without their documents (parsed again if asked for).
    """
    payload = cache.get(chunk_key(fingerprint, chunk))
    return result_codec.decode(payload, chunk) if payload is not None else None


def process_all(
    sources: Sequence[Source],
    max_bytes: int,
    jobs: int | None = None,
    use_cache: bool = True,
    keep_bodies: bool = False,
) -> Processed:
    processed = Processed(files=[path for path, _ in sources])
    # Policies first: every other file is checked against them as it is read.
    # A file that defines a Policy says so in its text; anything else is caught below.
    policy_files = [(path, data) for path, data in sources if b"Policy" in data]
    others = [(path, data) for path, data in sources if b"Policy" not in data]
    results: dict[str, Outcome] = {}
    for path, data in policy_files:
        results[path] = _process(path, data, max_bytes, None)
    policies = _first_policies(_policies_of([r for records, _ in results.values() for r in records]))
    rules, _ = compile_rules(policies)
    evaluator = PolicyEvaluator(rules)
    cache = FileCache.open(cache_dir() if use_cache else None)
    fingerprint = policy_fingerprint(policy_files) + max_bytes.to_bytes(8, "big")
    missing: list[list[Source]] = []
    for chunk in stable_chunks(others):
        hit = _cached(cache, fingerprint, chunk)
        if hit is None:
            missing.append(chunk)
            continue
        for (path, _), outcome in zip(chunk, hit, strict=True):
            results[path] = outcome
    workers = job_count(sum(len(data) for chunk in missing for _, data in chunk), jobs)
    if workers > 1 and len(missing) > 1:
        arguments = (policy_files, max_bytes, cache.directory, cache.key, fingerprint, keep_bodies)
        with _context().Pool(workers, _init_worker, arguments) as pool:
            for chunk, (payload, bodies) in zip(missing, pool.imap(_work, missing), strict=True):
                outcomes: list[Outcome] = pickle.loads(payload)  # noqa: S301 - from our own worker process
                documents = pickle.loads(bodies) if bodies is not None else [None] * len(chunk)  # noqa: S301
                for (path, data), outcome, kept in zip(chunk, outcomes, documents, strict=True):
                    results[path] = reattach(outcome, path, data)
                    if kept is not None:
                        for record, body in zip(outcome[0], kept, strict=True):
                            record.body = body
    else:
        for chunk in missing:
            outcomes = [_process(path, data, max_bytes, evaluator) for path, data in chunk]
            _store(cache, fingerprint, chunk, outcomes)
            for (path, _), outcome in zip(chunk, outcomes, strict=True):
                results[path] = outcome
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

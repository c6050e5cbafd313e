"""Trusted policy files that do not load: the approvals they require are unknown.

The base branch's policies decide what a pull request needs. A Policy that does not
load would simply not apply, and a policy *file* that does not load at all (no YAML,
not UTF-8, a link to nowhere) yields no record to notice: its requirements vanish
silently. Such a file fails the review closed, by the same notion the audit uses
(``load.records.policy_in_doubt``): a file under ``policies/``, or one whose last
readable version on the base branch held a Policy.
"""

from __future__ import annotations

from collections.abc import Iterable

import git

from itsmctl.findings import Finding
from itsmctl.load.records import POLICY_ROOT, load_source, policy_in_doubt
from itsmctl.model.record import Record
from itsmctl.vcs.git import path_history, read_paths

# Rules reported for records that were read (their content, not the file): no sign the file did not load.
_READ_FINE = frozenset({"schema", "unknown-kind", "policy-expression"})
# Versions of one file walked back to find its last readable one; beyond, it is taken to have held a Policy.
HISTORY_LIMIT = 50


def _file_problem(finding: Finding) -> bool:
    return finding.rule not in _READ_FINE and "/" not in finding.rule  # POLICY/RULE findings are about records


def _unreadable(repo: git.Repo, rev: str, paths: set[str]) -> dict[str, bool]:
    """For each of ``paths`` that exists at ``rev``: whether it does not load as a whole."""
    sources, problems = read_paths(repo, rev, paths)
    found = {path: bool(load_source(path, data)[1]) for path, data in sources}
    found.update({finding.location.path: True for finding in problems})
    return found


def _held_policy(repo: git.Repo, rev: str, path: str) -> bool:
    """Whether the last readable version of ``path`` up to ``rev`` held a Policy (True when it cannot be told)."""
    try:
        commits = path_history(repo, rev, path, HISTORY_LIMIT)
    except (git.GitCommandError, UnicodeError):
        return True
    for commit in commits:
        sources, problems = read_paths(repo, commit, {path})
        if not sources and not problems:
            return False  # the file did not exist: it never held one since
        if problems:
            continue
        records, findings = load_source(path, sources[0][1])
        if not findings:
            return any(record.kind == "Policy" for record in records)
    return len(commits) >= HISTORY_LIMIT  # every version up to its creation was unreadable: it never held one


def trusted_policies_in_doubt(
    repo: git.Repo, rev: str, files: Iterable[str], findings: Iterable[Finding], records: Iterable[Record]
) -> list[str]:
    """Paths of the trusted revision ``rev`` that may hide a Policy.

    ``files``, ``findings`` and ``records`` are what loading the trusted side read and found: only files
    under ``policies/`` and files with a finding about the file itself are read again, to tell.
    """
    by_path: dict[str, list[Record]] = {}
    for record in records:
        by_path.setdefault(record.path, []).append(record)
    candidates = {path for path in files if path.startswith(POLICY_ROOT)}
    candidates |= {finding.location.path for finding in findings if _file_problem(finding)}
    candidates |= {path for path, kept in by_path.items() if any(r.kind == "Policy" for r in kept)}
    unreadable = _unreadable(repo, rev, candidates) if candidates else {}
    doubts = []
    for path in sorted(candidates):
        broken = unreadable.get(path, False)
        held = broken and not path.startswith(POLICY_ROOT) and _held_policy(repo, rev, path)
        if policy_in_doubt(path, by_path.get(path, ()), broken, held):
            doubts.append(path)
    return doubts

"""Random change-flow histories as real git repositories, with the audit findings they must produce.

A ``HistorySpec`` is a sequence of steps: each moves one change one step along
its lifecycle, through a merged branch (approvals as ``Approved-by`` trailers on
the merge, or as a review evidence note on it) or, planted, straight on main;
some steps only edit the CMDB directly, and some evidence belongs to merges the
branch no longer contains. ``expected_findings`` works out, from the spec
alone, which audit findings the history must produce; ``commit_history`` writes
it with ``git fast-import`` (one process for the commits, one for the notes, so
hundreds of examples stay cheap).
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from hypothesis import strategies as st

from tests.property.strategies import (
    AUTHORISED,
    CLOSED_WITH_OUTCOME,
    ChangeSpec,
    FreezeSpec,
    Interval,
    NodeSpec,
    stamps,
)

CAB = ("carol@acme.example", "dave@acme.example", "erin@acme.example")
REQUESTERS = ("alice@acme.example", "bob@acme.example", "carol@acme.example")
MERGER = "maint@acme.example"
ADMIN = "admin@acme.example"
OUTSIDER = "frank@acme.example"
GRANTED = AUTHORISED | CLOSED_WITH_OUTCOME
# Windows are 22:00-23:00 UTC on one of six days; the freeze, when there is one, covers days 2 and 3.
DAY0 = datetime(2027, 3, 22, tzinfo=UTC)
FREEZE_WINDOW = (DAY0 + timedelta(days=2), DAY0 + timedelta(days=4))
COMMITS_FROM = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
CMDB = (
    NodeSpec("ci", "db", "team:ops", (), ci_type="database"),
    NodeSpec("ci", "cache", "team:ops", (), ci_type="cache", redundancy=(3, 2)),
    NodeSpec("service", "shop", "team:ops", ("ci:db", "ci:cache"), tier=2, sla="sla:gold"),
)
POLICY = {
    "apiVersion": "itsm/v1",
    "kind": "Policy",
    "metadata": {"name": "change-management"},
    "spec": {"approvals": [{"id": "cab", "require": [{"team": "team:cab", "count": 2}]}]},
}


@dataclass(frozen=True)
class Step:
    """One commit. ``change`` is None for a direct edit of the CMDB that touches no change."""

    change: int | None
    status: str = ""
    direct: bool = False  # committed straight on main, not merged
    approvers: tuple[str, ...] = ()  # Approved-by trailers (mere text on a direct commit)
    author: str = ""  # who wrote the branch commit
    outcome: str = "inside"  # closing steps: inside | early | late (relative to the window)
    pir: bool = False
    # Merges only: the approvals are a review evidence note on the merge (as `evidence record` writes
    # it) instead of trailers; or the merge carries a note that is not evidence at all.
    evidence: bool = False
    unreadable_note: bool = False


@dataclass(frozen=True)
class HistorySpec:
    changes: tuple[ChangeSpec, ...]
    steps: tuple[Step, ...]
    freeze: FreezeSpec | None
    # Merges that were recorded with evidence and then rewritten away: the notes outlive them.
    rewritten: int = 0


@dataclass(frozen=True)
class Built:
    steps: list[str]  # the commit of each step
    rewritten: list[str]  # commits with evidence that the branch no longer contains


def _person(email: str) -> str:
    name = email.split("@")[0].capitalize()
    return f"{name} <{email}>"


def _dump(*documents: object) -> str:
    return yaml.safe_dump_all(documents, sort_keys=False)


def outcome_interval(spec: HistorySpec, step: Step) -> Interval | None:
    """When a closing step says the change was carried out: inside its window, or starting early or ending late."""
    if step.change is None or step.status not in CLOSED_WITH_OUTCOME:
        return None
    window = spec.changes[step.change].window
    assert window is not None
    start, end = {"inside": (5, -5), "early": (-30, -5), "late": (10, 90)}[step.outcome]
    return Interval(
        replace(window.start, moment=window.start.moment + timedelta(minutes=start)),
        replace(window.end, moment=window.end.moment + timedelta(minutes=end)),
    )


def change_document(spec: HistorySpec, step: Step) -> str:
    assert step.change is not None
    closing = step.status in CLOSED_WITH_OUTCOME
    change = replace(
        spec.changes[step.change], status=step.status, outcome=outcome_interval(spec, step), pir=step.pir and closing
    )
    return _dump(change.document())


def initial_files(spec: HistorySpec) -> dict[str, str]:
    teams = [
        {"apiVersion": "itsm/v1", "kind": "Team", "metadata": {"name": name}, "spec": {"members": list(members)}}
        for name, members in (("ops", REQUESTERS[:2]), ("cab", CAB))
    ]
    sla = {
        "apiVersion": "itsm/v1",
        "kind": "SLA",
        "metadata": {"name": "gold"},
        "spec": {"availability": 99.95, "response": {"P1": "15m"}, "resolution": {"P1": "4h"}},
    }
    files = {
        "catalog/teams.yaml": _dump(*teams, sla),
        "catalog/cmdb.yaml": cmdb_document(0),
        "policies/change.yaml": _dump(POLICY),
    }
    if spec.freeze is not None:
        files["catalog/freezes.yaml"] = _dump(spec.freeze.document())
    return files


def cmdb_document(edits: int) -> str:
    documents = [node.document() for node in CMDB]
    documents[0]["metadata"]["description"] = f"The orders database, edited {edits} time(s) directly."
    return _dump(*documents)


def expected_findings(spec: HistorySpec, built: Built) -> Counter[tuple[str, str | None, str]]:
    """(rule, change or None, commit) of every finding the audit must report, worked out from the spec."""
    expected: Counter[tuple[str, str | None, str]] = Counter(("history-rewrite", None, sha) for sha in built.rewritten)
    status: dict[int, str | None] = {}
    for step, sha in zip(spec.steps, built.steps, strict=True):
        if step.direct:
            expected["direct-commit", None, sha] += 1
        if step.unreadable_note:
            expected["untrusted-evidence", None, sha] += 1
        if step.change is None:
            continue
        change = spec.changes[step.change]
        before, status[step.change] = status.get(step.change), step.status
        if before not in GRANTED and step.status in GRANTED:
            # Trailers on an ordinary commit are just text: a direct authorisation has no approvals.
            approvers = set() if step.direct else set(step.approvers)
            # The requester cannot approve, nor can the author of the pull request: with trailers,
            # whoever wrote the merged commits, and the merger who wrote the trailers.
            excluded = {change.requester, step.author} | (set() if step.evidence else {MERGER})
            if len({a for a in approvers if a in CAB and a not in excluded}) < 2:
                expected["missing-approval", change.name, sha] += 1
            for _ in approvers & excluded:
                expected["self-approval", change.name, sha] += 1
        if step.status in CLOSED_WITH_OUTCOME:
            if change.type == "emergency" and not step.pir:
                expected["emergency-without-pir", change.name, sha] += 1
            done = outcome_interval(spec, step)
            assert done is not None and change.window is not None
            if not change.window.contains(done):
                expected["outside-window", change.name, sha] += 1
            freeze = spec.freeze
            if freeze is not None and change.type not in freeze.allowed_types and done.overlaps(freeze.window):
                expected["freeze-violation", change.name, sha] += 1
    return expected


class _FastImport:
    """A git fast-import stream: commits on main and merged pull-request branches."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.marks = 0
        self.main: int | None = None
        self.clock = COMMITS_FROM
        self.heads: dict[int, int] = {}  # merge -> the branch head it merged

    def _data(self, text: str) -> None:
        raw = text.encode("utf-8")
        self.chunks.append(b"data %d\n" % len(raw) + raw + b"\n")

    def _commit(
        self, ref: str, files: dict[str, str], message: str, author: str, parent: int | None, merge: int | None = None
    ) -> int:
        self.marks += 1
        self.clock += timedelta(minutes=7)
        when = f"{int(self.clock.timestamp())} +0000"
        head = f"commit {ref}\nmark :{self.marks}\nauthor {author} {when}\ncommitter {author} {when}\n"
        self.chunks.append(head.encode())
        self._data(message)
        lines = f"from :{parent}\n" if parent is not None else ""
        lines += f"merge :{merge}\n" if merge is not None else ""
        self.chunks.append(lines.encode())
        for path, content in files.items():
            self.chunks.append(f"M 100644 inline {path}\n".encode())
            self._data(content)
        self.chunks.append(b"\n")
        return self.marks

    def direct(self, files: dict[str, str], message: str, author: str) -> int:
        self.main = self._commit("refs/heads/main", files, message, author, self.main)
        return self.main

    def merge(self, files: dict[str, str], message: str, branch_author: str, number: int) -> int:
        branch = self._commit(f"refs/heads/pr-{number}", files, f"work for #{number}", branch_author, self.main)
        self.main = self._commit("refs/heads/main", files, message, _person(MERGER), self.main, branch)
        self.heads[self.main] = branch
        return self.main

    def abandoned(self, files: dict[str, str], number: int) -> int:
        """A merge made on a line that was later reset away (here: one no branch contains)."""
        branch = self._commit(f"refs/heads/pr-{number}", files, f"work for #{number}", _person(OUTSIDER), self.main)
        merge = self._commit(
            f"refs/heads/gone-{number}", files, f"Merge pull request #{number}", _person(MERGER), self.main, branch
        )
        self.heads[merge] = branch
        return merge

    def run(self, root: Path, notes: dict[int, Callable[[str, str], str]]) -> dict[int, str]:
        """Import the commits, then the notes on them (which name their commits); mark -> sha."""
        subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
        marks = root / ".git" / "marks"
        command = ["git", "fast-import", "--quiet", f"--export-marks={marks}"]
        subprocess.run(command, cwd=root, input=b"".join(self.chunks), check=True)
        pairs = (line.split() for line in marks.read_text().splitlines())
        shas = {int(mark.lstrip(":")): sha for mark, sha in pairs}
        if notes:
            self.chunks = []
            when = f"{int(self.clock.timestamp())} +0000"
            self.chunks.append(f"commit refs/notes/itsm\ncommitter {_person(ADMIN)} {when}\n".encode())
            self._data("evidence recorded at merge")
            for mark, text in notes.items():
                self.chunks.append(f"N inline {shas[mark]}\n".encode())
                self._data(text(shas[mark], shas[self.heads[mark]]))
            subprocess.run(command[:3], cwd=root, input=b"".join(self.chunks), check=True)
        gone = subprocess.run(
            ["git", "for-each-ref", "--format=%(refname)", "refs/heads/gone-*"],
            cwd=root,
            capture_output=True,
            text=True,
        )
        for ref in gone.stdout.split():
            subprocess.run(["git", "update-ref", "-d", ref], cwd=root, check=True)
        return shas


def evidence_note(number: int, author: str, approvers: tuple[str, ...]) -> Callable[[str, str], str]:
    """The JSON note `itsmctl evidence record` writes on a merge (README: Evidence recorded at merge)."""

    def text(merge_commit: str, head: str) -> str:
        body = {
            "repository": "acme/itsm",
            "pull_request": number,
            "author": author,
            "head": head,
            "merge_commit": merge_commit,
            "recorded_at": "2027-03-01T12:00:00Z",
            "recorded_by": "itsmctl",
            "version": 1,
            "approvals": [{"identity": who, "commit": head, "submitted_at": ""} for who in approvers],
            "changes": [],
        }
        return json.dumps({"itsmctlEvidence": body}, indent=2)

    return text


def commit_history(spec: HistorySpec, root: Path) -> Built:
    """Write the history as a git repository at ``root``."""
    stream = _FastImport()
    stream.direct(initial_files(spec), "initial import", _person(ADMIN))
    marks, rewritten, edits = [], [], 0
    notes: dict[int, Callable[[str, str], str]] = {}
    for number, step in enumerate(spec.steps, start=1):
        if step.change is None:
            edits += 1
            files = {"catalog/cmdb.yaml": cmdb_document(edits)}
        else:
            files = {f"changes/{spec.changes[step.change].name}.yaml": change_document(spec, step)}
        trailers = "".join(f"Approved-by: {_person(a)}\n" for a in step.approvers)
        if step.direct:
            message = f"quick fix {number}" + (f"\n\n{trailers}" if trailers else "")
            marks.append(stream.direct(files, message, _person(step.author or OUTSIDER)))
            continue
        message = f"Merge pull request #{number}" + (f"\n\n{trailers}" if trailers and not step.evidence else "")
        marks.append(stream.merge(files, message, _person(step.author), number))
        if step.evidence:
            notes[marks[-1]] = evidence_note(number, step.author, step.approvers)
        elif step.unreadable_note:
            notes[marks[-1]] = lambda _merge, _head: "approved in the hallway\n"
    for index in range(spec.rewritten):
        number = len(spec.steps) + 1 + index
        mark = stream.abandoned({"catalog/cmdb.yaml": cmdb_document(1000 + index)}, number)
        notes[mark] = evidence_note(number, OUTSIDER, CAB[:2])
        rewritten.append(mark)
    shas = stream.run(root, notes)
    return Built([shas[mark] for mark in marks], [shas[mark] for mark in rewritten])


def rarely(odds: int) -> st.SearchStrategy[bool]:
    """True about once in ``odds + 1`` draws (integers(0, n) == 0 would be far likelier: Hypothesis favours 0)."""
    return st.sampled_from((False,) * odds + (True,))


@st.composite
def lifecycles(draw: st.DrawFn, kind: str) -> list[str]:
    """Statuses one change goes through, one pull request each (see README, The lifecycle)."""
    path = ["draft"] if draw(rarely(3)) else []
    path.append("requested")
    if draw(rarely(5)):
        return [*path, "cancelled"]
    if kind == "emergency":
        path.append("in-progress")  # emergency changes may skip approval, and are reviewed after
    else:
        path.append("approved")
        if draw(rarely(4)):
            path += ["requested", "approved"]  # sent back, then approved again
        if draw(st.booleans()):
            path.append("scheduled")
        if draw(rarely(5)):
            return [*path, "cancelled"]
        path.append("in-progress")
    path.append(draw(st.sampled_from(sorted(CLOSED_WITH_OUTCOME))))
    # Some changes are still under way when the history ends.
    return path[: draw(st.integers(1, len(path)))] if draw(rarely(4)) else path


@st.composite
def histories(draw: st.DrawFn, max_changes: int = 4) -> HistorySpec:
    changes, paths = [], []
    for index in range(draw(st.integers(1, max_changes))):
        kind = draw(st.sampled_from(("normal", "emergency")), label="type")
        start = DAY0 + timedelta(days=draw(st.integers(0, 5)), hours=22)
        window = Interval(draw(stamps(start)), draw(stamps(start + timedelta(hours=1))))
        target = draw(st.sampled_from([node.ref for node in CMDB]))
        changes.append(
            ChangeSpec(
                name=f"chg-{start:%Y%m%d}-{index:04x}",
                type=kind,
                status="requested",
                requester=draw(st.sampled_from(REQUESTERS), label="requester"),
                targets=((target, None),),
                window=window,
            )
        )
        paths.append(draw(lifecycles(kind)))
    freeze = None
    if draw(st.booleans()):
        allowed = tuple(draw(st.lists(st.sampled_from(("normal", "emergency")), unique=True, max_size=1)))
        freeze_window = Interval(draw(stamps(FREEZE_WINDOW[0])), draw(stamps(FREEZE_WINDOW[1])))
        freeze = FreezeSpec("quarter-end", freeze_window, allowed)
    # Interleave the changes' steps at random, keeping each change's own order.
    cursors = [0] * len(paths)
    steps = []
    while pending := [i for i, path in enumerate(paths) if cursors[i] < len(path)]:
        if draw(rarely(7)):
            steps.append(Step(None, direct=True, author=OUTSIDER))
        index = draw(st.sampled_from(pending), label="next change")
        status = paths[index][cursors[index]]
        cursors[index] += 1
        requester = changes[index].requester
        cab = draw(st.permutations(CAB))[: draw(st.sampled_from((2, 2, 2, 3, 1, 0)), label="CAB approvals")]
        # Usually the requester writes the pull request; sometimes a colleague or a CAB member does.
        author = draw(st.sampled_from((requester, requester, OUTSIDER, *CAB)), label="branch author")
        self_approvers = ((), (), (), (requester,), (MERGER,), (author,), (requester, MERGER))
        others = tuple(a for a in draw(st.sampled_from(self_approvers), label="self-approvers") if a not in cab)
        direct = draw(rarely(6), label="direct")
        evidence = not direct and draw(rarely(3), label="evidence note")
        steps.append(
            Step(
                index,
                status,
                direct=direct,
                approvers=tuple(cab) + others,
                author=author,
                outcome=draw(st.sampled_from(("inside", "inside", "early", "late")), label="outcome"),
                pir=not draw(rarely(2), label="no review"),
                evidence=evidence,
                unreadable_note=not direct and not evidence and draw(rarely(10), label="unreadable note"),
            )
        )
    rewritten = draw(st.sampled_from((0, 0, 0, 1, 2)), label="rewritten merges")
    return HistorySpec(tuple(changes), tuple(steps), freeze, rewritten)

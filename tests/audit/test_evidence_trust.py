"""Evidence notes are testimony (issue 11, item 3): re-checked against the team files, and against who wrote them.

An auditor needs to know who wrote each note under ``refs/notes/itsm`` (the
notes ref's commits say so), and a Policy can name the identities allowed to
write evidence (``spec.evidence.writers``) and require signed notes commits
(``spec.evidence.requireSigned``, checked as ``git verify-commit`` does).
"""

from __future__ import annotations

import itertools
import json
import subprocess
from pathlib import Path

import git
import pytest

from itsmctl.audit.evidence import ChangeEvidence, Evidence, RecordedApproval, RecordedMembership
from itsmctl.audit.walk import run_audit
from itsmctl.vcs.notes import write_note
from tests.audit.test_audit import POLICY, History, _change
from tests.conftest import GOLD_SLA, ci, service, team

BOT = "Evidence Bot <bot@acme.example>"
MALLORY = "Mallory <mallory@acme.example>"


def _writers(*emails: str, signed: bool = False) -> str:
    listed = ", ".join(emails)
    return POLICY + f"  evidence:\n    writers: [{listed}]\n    requireSigned: {'true' if signed else 'false'}\n"


def _evidence(
    merge: str,
    head: str,
    approvers: list[str],
    memberships: list[RecordedMembership] | None = None,
    teams: dict[str, list[str]] | None = None,
) -> Evidence:
    return Evidence(
        repository="acme/itsm",
        pull_request=12,
        author="bob",
        head=head,
        merge_commit=merge,
        recorded_at="2026-10-02T10:00:00Z",
        approvals=[RecordedApproval(who, head, "2026-10-02T09:59:00Z") for who in approvers],
        changes=[
            ChangeEvidence(
                "chg-1", ["requested", "approved"], "low", 5, [{"team": "team:cab", "count": 2}], teams or {}, True
            )
        ],
        memberships=memberships or [],
    )


_WRITTEN = itertools.count()


def _note(repo: git.Repo, commit: str, evidence: Evidence, writer: str = BOT, sign: bool = False) -> None:
    """Write the note as ``writer`` (the notes commit's author and committer).

    Each note written differs (its recording time): a notes commit that leaves a note's text as it was
    did not write it, and the note stays attributed to whoever did.
    """
    name, _, email = writer.partition(" <")
    with repo.config_writer() as config:
        config.set_value("user", "name", name)
        config.set_value("user", "email", email.rstrip(">"))
    evidence.recorded_at = f"2026-10-02T10:{next(_WRITTEN) % 60:02d}:00Z"
    write_note(repo, commit, evidence.to_text(), sign=sign)


def _approve(history: History) -> tuple[str, str]:
    """chg-1 requested, then approved by a merge without trailers; returns (merge, merged head)."""
    history.merge({"changes/chg-1.yaml": _change("requested")})
    merge = history.merge({"changes/chg-1.yaml": _change("approved")})
    return merge, history.repo.repo.commit(merge).parents[1].hexsha


def _audit(run_cli, history: History) -> tuple[int, dict]:  # type: ignore[no-untyped-def, type-arg]
    result = run_cli("-C", str(history.repo.root), "audit", "--format", "json", "--fail-on-violation")
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History(tmp_path / "repo")


def test_a_hand_written_note_naming_people_in_no_team_fails_the_audit(history: History, run_cli) -> None:  # type: ignore[no-untyped-def]
    """The issue's case: the note lists two approvers (even under the team's name), neither in any team file."""
    merge, head = _approve(history)
    forged = _evidence(
        merge,
        head,
        ["mallory@acme.example", "trent@acme.example"],
        teams={"team:cab": ["mallory@acme.example", "trent@acme.example"]},
    )
    _note(history.repo.repo, merge, forged, writer=MALLORY)
    code, report = _audit(run_cli, history)
    assert code == 1
    assert [f["rule"] for f in report["findings"]] == ["missing-approval"]
    assert report["changes"][0]["approvals"] == []
    assert "not a member of team:cab" in report["findings"][0]["message"]
    # Who wrote it is on record, even though no policy names the evidence writers.
    (note,) = report["evidence"]
    assert note["commit"] == merge and note["author"] == MALLORY and note["trust"] == "not checked"


def test_members_of_the_team_at_that_commit_count_from_a_note(history: History, run_cli) -> None:  # type: ignore[no-untyped-def]
    merge, head = _approve(history)
    _note(history.repo.repo, merge, _evidence(merge, head, ["carol@acme.example", "dave@acme.example"]))
    code, report = _audit(run_cli, history)
    assert (code, report["findings"]) == (0, [])
    assert report["changes"][0]["approvals"] == ["carol@acme.example", "dave@acme.example"]


def _github_cab(history: History) -> None:
    """The CAB becomes a GitHub team whose file lists only carol; frank is a member on GitHub alone."""
    teams = (
        team("ops", "[alice@acme.example]")
        + "---\napiVersion: itsm/v1\nkind: Team\nmetadata: {name: cab}\n"
        + "spec: {members: [carol@acme.example], githubTeam: acme/cab}\n"
    )
    # An edit of the CAB's own record: the CAB approves it (record-owners).
    history.merge(
        {"catalog/teams.yaml": teams}, "Approved-by: Dave <dave@acme.example>\n", when="2026-10-01T12:00:00+02:00"
    )


def _frank(team_ref: str = "team:cab", slug: str = "acme/cab") -> list[RecordedMembership]:
    return [RecordedMembership("frank", team_ref, slug, "2026-10-02T09:59:30Z")]


@pytest.mark.parametrize(
    ("policy", "memberships", "counted"),
    [
        (POLICY, [], False),  # the note does not say GitHub vouched for frank
        (POLICY, _frank(), False),  # it says so, but no policy says whose notes to believe
        (_writers("bot@acme.example"), [], False),
        (_writers("bot@acme.example"), _frank(), True),  # a trusted writer recorded GitHub's answer
        (_writers("bot@acme.example"), _frank(slug="acme/everyone"), False),  # not the team's GitHub team
        (_writers("bot@acme.example"), _frank(team_ref="team:ops"), False),  # membership of another team
    ],
)
def test_github_team_membership_counts_only_as_recorded_from_github_by_a_trusted_writer(  # type: ignore[no-untyped-def]
    history: History, run_cli, policy: str, memberships: list[RecordedMembership], counted: bool
) -> None:
    history.merge({"policies/change.yaml": policy}, when="2026-10-01T11:00:00+02:00")
    _github_cab(history)
    merge, head = _approve(history)
    _note(history.repo.repo, merge, _evidence(merge, head, ["carol@acme.example", "frank"], memberships))
    code, report = _audit(run_cli, history)
    approvals = report["changes"][0]["approvals"]
    if counted:
        assert (code, report["findings"], approvals) == (0, [], ["carol@acme.example", "frank"])
    else:
        assert code == 1 and approvals == ["carol@acme.example"]
        assert [f["rule"] for f in report["findings"]] == ["missing-approval"]


def test_a_note_by_someone_not_named_as_evidence_writer_is_not_evidence(history: History, run_cli) -> None:  # type: ignore[no-untyped-def]
    history.merge({"policies/change.yaml": _writers("bot@acme.example")}, when="2026-10-01T11:00:00+02:00")
    merge, head = _approve(history)
    _note(history.repo.repo, merge, _evidence(merge, head, ["carol@acme.example", "dave@acme.example"]), MALLORY)
    code, report = _audit(run_cli, history)
    assert code == 1
    assert sorted(f["rule"] for f in report["findings"]) == ["missing-approval", "untrusted-evidence"]
    untrusted = next(f for f in report["findings"] if f["rule"] == "untrusted-evidence")
    assert untrusted["commit"] == merge and "mallory@acme.example" in untrusted["message"]
    assert report["changes"][0]["approvals"] == []
    (note,) = report["evidence"]
    assert note["trust"] == "untrusted" and note["author"] == MALLORY
    assert any("not named" in reason for reason in note["reasons"])
    # The same note written by the bot is evidence.
    _note(history.repo.repo, merge, _evidence(merge, head, ["carol@acme.example", "dave@acme.example"]), BOT)
    code, report = _audit(run_cli, history)
    assert (code, report["findings"]) == (0, [])
    assert report["evidence"][0]["trust"] == "trusted" and report["evidence"][0]["author"] == BOT


def test_writers_from_the_policy_of_the_time_and_of_the_head_both_apply(history: History, run_cli) -> None:  # type: ignore[no-untyped-def]
    """A policy cannot be loosened after the fact, and notes (written any time) answer to today's policy too."""
    merge, head = _approve(history)
    _note(history.repo.repo, merge, _evidence(merge, head, ["carol@acme.example", "dave@acme.example"]), MALLORY)
    assert _audit(run_cli, history)[0] == 0  # nobody named writers: not checked
    history.merge({"policies/change.yaml": _writers("bot@acme.example")})
    code, report = _audit(run_cli, history)
    assert code == 1 and "untrusted-evidence" in [f["rule"] for f in report["findings"]]


def test_a_note_copied_from_another_merge_is_not_evidence(history: History, run_cli) -> None:  # type: ignore[no-untyped-def]
    merge, head = _approve(history)
    other = history.merge({"changes/chg-2.yaml": _change("requested", name="chg-2")})
    _note(history.repo.repo, merge, _evidence(other, head, ["carol@acme.example", "dave@acme.example"]))
    code, report = _audit(run_cli, history)
    assert code == 1
    assert sorted(f["rule"] for f in report["findings"]) == ["missing-approval", "untrusted-evidence"]
    assert "records merge" in report["evidence"][0]["reasons"][0]


def test_a_note_does_not_turn_a_direct_commit_into_a_pull_request(history: History, run_cli) -> None:  # type: ignore[no-untyped-def]
    history.merge({"changes/chg-1.yaml": _change("requested")})
    direct = history.repo.commit(
        "tweak",
        {"catalog/cmdb.yaml": "\n---\n".join([GOLD_SLA, ci("db"), service("shop", tier=3, depends="[ci:db]")])},
        author=MALLORY,
    )
    _note(history.repo.repo, direct, _evidence(direct, direct, []), MALLORY)
    code, report = _audit(run_cli, history)
    assert code == 1 and [f["rule"] for f in report["findings"]] == ["direct-commit"]


def test_each_note_is_attributed_to_the_notes_commit_that_wrote_its_text(history: History) -> None:
    merge, head = _approve(history)
    first = history.merge({"changes/chg-2.yaml": _change("requested", name="chg-2")})
    _note(history.repo.repo, merge, _evidence(merge, head, ["carol@acme.example"]), MALLORY)
    _note(history.repo.repo, first, _evidence(first, first, []), MALLORY)
    _note(history.repo.repo, merge, _evidence(merge, head, ["carol@acme.example", "dave@acme.example"]), BOT)
    report = run_audit(history.repo.repo)
    writers = {note.commit: note.author for note in report.evidence}
    assert writers == {merge: BOT, first: MALLORY}


# --- signed notes commits ------------------------------------------------------------------------


@pytest.fixture
def signing(history: History, tmp_path: Path) -> dict[str, Path]:
    """Two SSH keys; the repository trusts the bot's key (gpg.ssh.allowedSignersFile) and signs with it."""
    keys = {}
    for name in ("bot", "stranger"):
        key = tmp_path / name
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
        keys[name] = key
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"bot@acme.example {keys['bot'].with_suffix('.pub').read_text()}")
    with history.repo.repo.config_writer() as config:
        config.set_value("gpg", "format", "ssh")
        config.set_value("gpg.ssh", "allowedSignersFile", str(allowed))
        config.set_value("user", "signingkey", str(keys["bot"]))
    return keys


def _verify_commit(repo: git.Repo, sha: str) -> bool:
    return subprocess.run(["git", "-C", repo.working_dir, "verify-commit", sha], capture_output=True).returncode == 0


def test_signed_notes_commits_are_required_when_the_policy_says_so(  # type: ignore[no-untyped-def]
    history: History, run_cli, signing: dict[str, Path]
) -> None:
    history.merge({"policies/change.yaml": _writers("bot@acme.example", signed=True)}, when="2026-10-01T11:00:00+02:00")
    merge, head = _approve(history)
    good = _evidence(merge, head, ["carol@acme.example", "dave@acme.example"])
    repo = history.repo.repo

    _note(repo, merge, good, BOT, sign=True)
    assert _verify_commit(repo, "refs/notes/itsm")
    code, report = _audit(run_cli, history)
    assert (code, report["findings"]) == (0, [])
    (note,) = report["evidence"]
    assert (note["trust"], note["signature"], note["signer"]) == ("trusted", "good", "bot@acme.example")

    _note(repo, merge, good, BOT, sign=False)  # the bot's identity, but anyone can type that
    assert not _verify_commit(repo, "refs/notes/itsm")
    code, report = _audit(run_cli, history)
    assert code == 1 and sorted(f["rule"] for f in report["findings"]) == ["missing-approval", "untrusted-evidence"]
    assert report["evidence"][0]["signature"] == "none"

    with repo.config_writer() as config:
        config.set_value("user", "signingkey", str(signing["stranger"]))
    _note(repo, merge, good, BOT, sign=True)  # signed, by a key nobody trusts
    assert not _verify_commit(repo, "refs/notes/itsm")
    code, report = _audit(run_cli, history)
    assert code == 1 and report["evidence"][0]["trust"] == "untrusted"
    assert report["evidence"][0]["signature"] != "good"


def test_text_csv_and_html_say_who_wrote_each_note(history: History, run_cli) -> None:  # type: ignore[no-untyped-def]
    history.merge({"policies/change.yaml": _writers("bot@acme.example")}, when="2026-10-01T11:00:00+02:00")
    merge, head = _approve(history)
    _note(history.repo.repo, merge, _evidence(merge, head, ["carol@acme.example", "dave@acme.example"]), MALLORY)
    root = str(history.repo.root)
    text = run_cli("-C", root, "audit").stdout
    assert f"{merge[:12]}" in text and "Mallory <mallory@acme.example>" in text and "untrusted" in text
    rows = run_cli("-C", root, "audit", "--format", "csv").stdout.splitlines()
    assert "evidence" in rows[0] and "untrusted" in rows[1] and "mallory@acme.example" in rows[1]
    html = run_cli("-C", root, "audit", "--format", "html").stdout
    assert "Mallory &lt;mallory@acme.example&gt;" in html and "untrusted" in html


def test_rewriting_a_note_with_the_same_text_does_not_make_it_yours(history: History) -> None:
    """Attribution follows the text: a notes commit that leaves a note as it was did not write it."""
    merge, head = _approve(history)
    evidence = _evidence(merge, head, ["carol@acme.example", "dave@acme.example"])
    _note(history.repo.repo, merge, evidence, MALLORY)
    with history.repo.repo.config_writer() as config:
        config.set_value("user", "email", "bot@acme.example")
    history.repo.repo.git.notes("--ref", "itsm", "add", "-f", "-m", evidence.to_text(), merge)
    assert history.repo.repo.git.log("-1", "--format=%ae", "refs/notes/itsm") == "bot@acme.example"
    (note,) = run_audit(history.repo.repo).evidence
    assert note.author == MALLORY


def test_approvals_in_a_note_the_requester_wrote_are_their_own_claim(history: History, run_cli) -> None:  # type: ignore[no-untyped-def]
    merge, head = _approve(history)
    alice = "Alice <alice@acme.example>"  # requested chg-1
    _note(history.repo.repo, merge, _evidence(merge, head, ["carol@acme.example", "dave@acme.example"]), alice)
    code, report = _audit(run_cli, history)
    assert code == 1 and report["changes"][0]["approvals"] == []
    assert all("written by the requester" in i["reason"] for i in report["changes"][0]["ignoredApprovals"])


def test_approvals_of_a_head_that_was_not_merged_do_not_count(history: History, run_cli) -> None:  # type: ignore[no-untyped-def]
    merge, head = _approve(history)
    other = history.repo.repo.commit(merge).parents[0].hexsha
    _note(history.repo.repo, merge, _evidence(merge, other, ["carol@acme.example", "dave@acme.example"]))
    code, report = _audit(run_cli, history)
    assert code == 1 and report["changes"][0]["approvals"] == []
    assert all("earlier commit" in i["reason"] for i in report["changes"][0]["ignoredApprovals"])

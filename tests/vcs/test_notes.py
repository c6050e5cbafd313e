"""Who wrote each note under refs/notes/itsm: one git log over the notes ref's history."""

from __future__ import annotations

import subprocess
from pathlib import Path

import git

from itsmctl.vcs.notes import note_blobs, note_writers, read_notes, signatures
from tests.gitrepo import GitRepo


def _as(repo: git.Repo, email: str, *args: str) -> None:
    repo.git.execute(["git", "-c", f"user.email={email}", "-c", "user.name=X", *args])


def test_a_merged_note_belongs_to_whoever_wrote_its_text(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo").repo
    commits = [repo.index.commit(f"c{i}").hexsha for i in range(3)]
    _as(repo, "a@x", "notes", "--ref", "itsm", "add", "-m", "first", commits[0])
    _as(repo, "a@x", "notes", "--ref", "itsm", "add", "-m", "second", commits[1])
    repo.git.update_ref("refs/notes/other", "refs/notes/itsm")
    _as(repo, "b@x", "notes", "--ref", "itsm", "add", "-f", "-m", "second, rewritten", commits[1])
    _as(repo, "c@x", "notes", "--ref", "other", "add", "-m", "third", commits[2])
    _as(repo, "c@x", "notes", "--ref", "other", "add", "-f", "-m", "second, other side", commits[1])
    _as(repo, "d@x", "notes", "--ref", "itsm", "merge", "-s", "union", "other")
    blobs = note_blobs(repo)
    writers = {commit: w.author_email for commit, w in note_writers(repo, blobs).items()}
    assert writers == {commits[0]: "a@x", commits[1]: "d@x", commits[2]: "c@x"}  # the union is the merger's text
    assert read_notes(repo)[commits[1]] == b"second, rewritten\n\nsecond, other side\n"


def test_fanned_out_notes_are_found_and_unsigned_commits_say_so(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    stream = []
    for mark in range(1, 401):  # enough notes for git to fan the notes tree out (ab/cdef...)
        parent = f"from :{mark - 1}\n" if mark > 1 else ""
        stream.append(f"commit refs/heads/main\nmark :{mark}\ncommitter A <a@x> {mark} +0000\ndata 1\nc\n{parent}\n")
    stream.append("commit refs/notes/itsm\ncommitter Bot <bot@x> 999 +0000\ndata 5\nnotes\n")
    stream += [f"N inline :{mark}\ndata 2\nn\n" for mark in range(1, 401)]
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input="".join(stream).encode(), check=True)
    repo = git.Repo(root)
    assert "/" in repo.git.ls_tree("-r", "--name-only", "refs/notes/itsm").splitlines()[0]
    blobs = note_blobs(repo)
    writers = note_writers(repo, blobs)
    assert len(blobs) == 400 and set(writers) == set(blobs)
    (notes_commit,) = {w.notes_commit for w in writers.values()}
    assert signatures(repo, [notes_commit]) == {notes_commit: ("none", "")}

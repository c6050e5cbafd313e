"""``itsmctl evidence``: record at merge, in git, the approvals that review verified."""

from __future__ import annotations

import os

import click

from itsmctl.audit.evidence import EvidenceError, evidence_from_review, parse_evidence
from itsmctl.cli.common import repository_root
from itsmctl.errors import ItsmError
from itsmctl.flow.review import review_pull_request
from itsmctl.report.escape import ci_safe_json, terminal
from itsmctl.vcs.git import open_repository, resolve_commit
from itsmctl.vcs.notes import NOTES_REF, note_blobs, note_writers, push_notes, read_notes, write_note


@click.group()
def evidence() -> None:
    """Approval evidence kept as git notes (refs/notes/itsm)."""


@evidence.command("record")
@click.option("--pr", "number", type=click.IntRange(min=1), help="The merged pull request.")
@click.option("--commit", "commit", help="A commit on the branch; its pull request is looked up.")
@click.option("--repo", "repository", metavar="OWNER/NAME", help="Default: $GITHUB_REPOSITORY.")
@click.option("--push", is_flag=True, help=f"Push refs/notes/{NOTES_REF} to origin afterwards.")
@click.option(
    "--sign", is_flag=True, help="Sign the notes commit with git's signing key (user.signingkey, gpg.format)."
)
def record(number: int | None, commit: str | None, repository: str | None, push: bool, sign: bool) -> int:
    """Write the verified approvals of a merged pull request as a note on its merge commit.

    Run by the main-branch workflow after every merge, so the evidence lives in
    git and 'itsmctl audit' can check it offline.
    """
    repository = repository or os.environ.get("GITHUB_REPOSITORY")
    if not repository:
        raise ItsmError("give --repo OWNER/NAME (or set GITHUB_REPOSITORY)")
    if (number is None) == (commit is None):
        raise ItsmError("give one of --pr N or --commit SHA")
    repo = open_repository(repository_root())
    from itsmctl.vcs.github import GitHubClient  # imported here: ~0.2 s

    client = GitHubClient(repository)
    if number is None:
        assert commit is not None
        number = client.pull_request_of(resolve_commit(repo, commit).hexsha)
        if number is None:
            raise ItsmError(f"no merged pull request contains {commit}: nothing to record")
    merge_commit = client.merge_commit(number)
    resolve_commit(repo, merge_commit)
    outcome = review_pull_request(repo, client, number, base=f"{merge_commit}^1")
    note = evidence_from_review(outcome, repository, merge_commit, client.reviews(number))
    write_note(repo, merge_commit, note.to_text(), sign=sign)
    click.echo(f"recorded the approvals of #{number} on {merge_commit[:12]} (refs/notes/{NOTES_REF})")
    if push:
        push_notes(repo)
    return 0


@evidence.command("show")
@click.argument("commit", default="HEAD")
def show(commit: str) -> int:
    """Print the evidence note of a commit (on standard error: who wrote it)."""
    repo = open_repository(repository_root())
    sha = resolve_commit(repo, commit).hexsha
    blobs = note_blobs(repo)
    raw = read_notes(repo, {sha: blobs[sha]}).get(sha) if sha in blobs else None
    if raw is None:
        click.echo(f"no evidence recorded for {sha[:12]}")
        return 1
    try:
        text = parse_evidence(raw).to_text()
    except EvidenceError as error:
        raise ItsmError(f"the note on {sha[:12]} is not evidence: {error}") from None
    writer = note_writers(repo, {sha: blobs[sha]}).get(sha)
    who = (
        f"written by {writer.author} in notes commit {writer.notes_commit[:12]} on {writer.date}"
        if writer
        else "writer unknown"
    )
    click.echo(terminal(f"itsmctl: {who}"), err=True)
    # A note is text anyone with push access wrote: printed so that it cannot command a CI log.
    click.echo(ci_safe_json(text), nl=False)
    return 0

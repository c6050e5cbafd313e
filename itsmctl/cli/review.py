"""``itsmctl review --pr N``: approvals in code review, on GitHub."""

from __future__ import annotations

import os

import click

from itsmctl.cli.common import repository_root
from itsmctl.errors import ItsmError
from itsmctl.flow.review import review_pull_request
from itsmctl.report.escape import terminal
from itsmctl.report.plan import COMMENT_MARKER, fit_comment, render_markdown
from itsmctl.report.review import render_review_json, render_review_text, summary
from itsmctl.vcs.git import open_repository
from itsmctl.vcs.reviews import STATUS_CONTEXT


@click.command()
@click.option("--pr", "number", type=click.IntRange(min=1), required=True, help="Pull request number.")
@click.option("--repo", "repository", metavar="OWNER/NAME", help="Default: $GITHUB_REPOSITORY.")
@click.option("--comment", is_flag=True, help="Create or update the plan comment on the pull request.")
@click.option("--status", "set_status", is_flag=True, help=f"Set the {STATUS_CONTEXT} commit status.")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True
)
def review(number: int, repository: str | None, comment: bool, set_status: bool, output_format: str) -> int:
    """Check a pull request's reviews against the approvals policy requires.

    Exits 0 when every change the pull request authorises has its approvals,
    1 when some are missing (listed), 2 when GitHub cannot be asked. Uses
    GITHUB_TOKEN and GITHUB_API_URL (GitHub Enterprise or an emulator).
    """
    repository = repository or os.environ.get("GITHUB_REPOSITORY")
    if not repository:
        raise ItsmError("give --repo OWNER/NAME (or set GITHUB_REPOSITORY)")
    from itsmctl.vcs.github import GitHubClient  # imported here: ~0.2 s

    client = GitHubClient(repository)
    outcome = review_pull_request(open_repository(repository_root()), client, number)
    if comment:
        body = render_markdown(outcome.plan, outcome.results, outcome.record_results)
        action = client.upsert_comment(number, COMMENT_MARKER, fit_comment(body, number))
        click.echo(f"itsmctl: {action} the plan comment on #{number}", err=True)
    if set_status:
        state = "success" if outcome.satisfied else "failure"
        client.set_status(outcome.pull.head_sha, state, terminal(summary(outcome)))  # shown on GitHub
    if output_format == "json":
        click.echo(render_review_json(outcome, number), nl=False)
    elif output_format == "markdown":
        click.echo(render_markdown(outcome.plan, outcome.results, outcome.record_results), nl=False)
    else:
        click.echo(render_review_text(outcome), nl=False)
    return 0 if outcome.satisfied else 1

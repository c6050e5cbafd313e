"""``itsmctl review --pr N``: approvals in code review, on GitHub."""

from __future__ import annotations

import json
import os

import click

from itsmctl.cli.common import repository_root
from itsmctl.errors import ItsmError
from itsmctl.flow.approvals import NeedResult
from itsmctl.flow.review import ReviewOutcome, review_pull_request
from itsmctl.report.plan import COMMENT_MARKER, render_json, render_markdown
from itsmctl.vcs.git import open_repository
from itsmctl.vcs.reviews import STATUS_CONTEXT


def _summary(outcome: ReviewOutcome) -> str:
    due = outcome.due()
    if not outcome.satisfied:
        return "missing: " + "; ".join(outcome.missing())
    owners = (
        f" and the owners of {len(outcome.record_results)} edited record group(s)" if outcome.record_results else ""
    )
    if not due and not owners:
        return "no change in this pull request needs approval now, and it edits no owned record"
    return f"approvals complete for {len(due)} change(s){owners}"


def _echo_results(results: list[NeedResult]) -> None:
    for result in results:
        mark = "ok " if result.satisfied else "MISSING"
        who = ", ".join(result.approvers) or "nobody"
        click.echo(f"  {mark} {result.need.label}: approved by {who}")
        for identity, why in result.rejected:
            click.echo(f"      not counted: {identity}: {why}")


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
    summary = _summary(outcome)
    if comment:
        action = client.upsert_comment(
            number, COMMENT_MARKER, render_markdown(outcome.plan, outcome.results, outcome.record_results)
        )
        click.echo(f"itsmctl: {action} the plan comment on #{number}", err=True)
    if set_status:
        state = "success" if outcome.satisfied else "failure"
        client.set_status(outcome.pull.head_sha, state, summary)
    if output_format == "json":
        document = json.loads(render_json(outcome.plan, outcome.results, outcome.record_results))
        document["pullRequest"] = {"number": number, "author": outcome.pull.author, "head": outcome.pull.head_sha}
        document["approvalsSatisfied"] = outcome.satisfied
        document["missing"] = outcome.missing()
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        click.echo(render_markdown(outcome.plan, outcome.results, outcome.record_results), nl=False)
    else:
        for item in outcome.plan.changes:
            results = outcome.results[item.change.name]
            flag = "due now" if item in outcome.due() else "not due in this PR"
            click.echo(f"{item.change.name} ({item.transition[0] or 'new'} -> {item.transition[1]}, {flag})")
            _echo_results(results)
        if outcome.record_results:
            click.echo("edited records (due now)")
            _echo_results(outcome.record_results)
        click.echo(summary)
    return 0 if outcome.satisfied else 1

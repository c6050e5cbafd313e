"""GitHub through PyGithub, behind the few calls the change flow needs.

``GITHUB_TOKEN`` authenticates; ``GITHUB_API_URL`` points at the API (GitHub
Enterprise, or a local emulator in tests). Every failure (bad token, missing
pull request, rate limit, server error) becomes an ``ItsmError`` with a clear
message, so a pipeline stops with exit 2 instead of passing by accident.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import github
from github import Auth, Github, GithubException
from github.GithubException import (
    BadCredentialsException,
    RateLimitExceededException,
    UnknownObjectException,
)

from itsmctl.errors import ItsmError
from itsmctl.vcs.reviews import STATUS_CONTEXT, PullRequestInfo, Review

DEFAULT_API_URL = "https://api.github.com"
T = TypeVar("T")


@contextmanager
def _translated(what: str) -> Iterator[None]:
    try:
        yield
    except RateLimitExceededException as error:
        reset = (error.headers or {}).get("x-ratelimit-reset") or (error.headers or {}).get("X-RateLimit-Reset")
        when = (
            f"; it resets at {datetime.fromtimestamp(int(reset)).isoformat()}" if reset and str(reset).isdigit() else ""
        )
        raise ItsmError(
            f"GitHub rate limit exceeded while {what}{when}; nothing was decided, run again later"
        ) from None
    except BadCredentialsException:
        raise ItsmError(f"GitHub rejected the token while {what}: check GITHUB_TOKEN") from None
    except UnknownObjectException:
        raise ItsmError(f"GitHub says not found while {what}: check the repository, number and token scopes") from None
    except GithubException as error:
        message = error.data.get("message") if isinstance(error.data, dict) else None
        raise ItsmError(f"GitHub answered {error.status} while {what}: {message or 'no message'}") from None
    except (OSError, github.GithubException) as error:  # connection refused, timeouts
        raise ItsmError(f"cannot reach GitHub while {what}: {error}") from None


def _is_bot(user: Any) -> bool:
    login = getattr(user, "login", "") or ""
    return getattr(user, "type", "") == "Bot" or login.endswith("[bot]")


class GitHubClient:
    def __init__(self, repository: str, token: str | None = None, api_url: str | None = None) -> None:
        token = token or os.environ.get("GITHUB_TOKEN")
        if not token:
            raise ItsmError("GITHUB_TOKEN is not set; the review needs a token that can read pull requests")
        if "/" not in repository:
            raise ItsmError(f"--repo must be OWNER/NAME, not {repository!r}")
        self.repository = repository
        base_url = (api_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
        # No automatic retries: a rate limit must surface now, not after a long sleep.
        self._github = Github(
            base_url=base_url,
            auth=Auth.Token(token),
            retry=None,
            per_page=100,
            timeout=30,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        self._repo: Any = None
        self._team_cache: dict[tuple[str, str], bool] = {}

    def _call(self, what: str, function: Callable[[], T]) -> T:
        with _translated(what):
            return function()

    @property
    def repo(self) -> Any:
        if self._repo is None:
            self._repo = self._call(f"opening {self.repository}", lambda: self._github.get_repo(self.repository))
        return self._repo

    def pull_request(self, number: int) -> PullRequestInfo:
        pull = self._call(f"reading pull request #{number}", lambda: self.repo.get_pull(number))
        self._pull = pull
        return PullRequestInfo(number, pull.user.login, pull.head.sha, pull.base.sha, pull.base.ref, pull.state)

    def reviews(self, number: int) -> list[Review]:
        def fetch() -> list[Review]:
            pull = self.repo.get_pull(number)
            return [
                Review(
                    r.id, r.user.login if r.user else "", _is_bot(r.user), r.state, r.commit_id or "", r.submitted_at
                )
                for r in pull.get_reviews()
            ]

        return self._call(f"reading the reviews of #{number}", fetch)

    def is_team_member(self, github_team: str, login: str) -> bool:
        """Active membership of ORG/SLUG (or SLUG in the repository's owner org)."""
        org, _, slug = github_team.rpartition("/")
        org = org or self.repository.split("/")[0]
        key = (f"{org}/{slug}", login.lower())
        if key not in self._team_cache:

            def check() -> bool:
                team = self._github.get_organization(org).get_team_by_slug(slug)
                try:
                    membership = team.get_team_membership(login)
                except UnknownObjectException:
                    return False
                return bool(membership.state == "active")

            self._team_cache[key] = self._call(f"checking {login} in team {org}/{slug}", check)
        return self._team_cache[key]

    def merge_commit(self, number: int) -> str:
        def fetch() -> str:
            pull = self.repo.get_pull(number)
            if not pull.merged or not pull.merge_commit_sha:
                raise ItsmError(f"pull request #{number} is not merged: there is no merge to record evidence on")
            return str(pull.merge_commit_sha)

        return self._call(f"reading pull request #{number}", fetch)

    def pull_request_of(self, sha: str) -> int | None:
        """The merged pull request that brought ``sha`` in, if any."""

        def fetch() -> int | None:
            for pull in self.repo.get_commit(sha).get_pulls():
                if pull.merged:
                    return int(pull.number)
            return None

        return self._call(f"finding the pull request of {sha[:12]}", fetch)

    def upsert_comment(self, number: int, marker: str, body: str) -> str:
        """Update the one comment that starts with ``marker``, or create it. Returns 'created' or 'updated'."""

        def run() -> str:
            pull = self.repo.get_pull(number)
            for comment in pull.get_issue_comments():
                # Only our own (bot) comment: a person quoting the marker is left alone.
                if (comment.body or "").startswith(marker) and _is_bot(comment.user):
                    comment.edit(body)
                    return "updated"
            pull.create_issue_comment(body)
            return "created"

        return self._call(f"commenting on #{number}", run)

    def set_status(self, sha: str, state: str, description: str, target_url: str | None = None) -> None:
        def run() -> None:
            commit = self.repo.get_commit(sha)
            kwargs = {"target_url": target_url} if target_url else {}
            commit.create_status(state=state, description=description[:140], context=STATUS_CONTEXT, **kwargs)

        self._call(f"setting the {STATUS_CONTEXT} status", run)

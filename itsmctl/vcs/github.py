"""GitHub through PyGithub, behind the few calls the change flow needs.

``GITHUB_TOKEN`` authenticates; ``GITHUB_API_URL`` points at the API (GitHub
Enterprise, or a local emulator in tests). Every failure (bad token, missing
pull request, rate limit, server error, an answer that is not the API's: see
``github_answers``) becomes an ``ItsmError`` with a clear message, so a
pipeline stops with exit 2 instead of deciding on what it could not read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from github import Auth, Github, GithubException
from github.GithubException import (
    BadAttributeException,
    BadCredentialsException,
    RateLimitExceededException,
    UnknownObjectException,
)
from requests.exceptions import RetryError

from itsmctl.errors import ItsmError
from itsmctl.vcs import github_answers as answer
from itsmctl.vcs.github_answers import NotGitHubAnswer
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
        raise ItsmError(
            f"cannot read GitHub while {what}: GitHub answered {error.status}: {message or 'no message'}"
        ) from None
    except (NotGitHubAnswer, BadAttributeException, RetryError) as error:
        # Not the API (a proxy's page, a redirect, a value of the wrong type): nothing was decided.
        raise ItsmError(
            f"cannot read GitHub while {what}: {_reason(error)}; check GITHUB_API_URL and any proxy"
        ) from None
    except RuntimeError as error:  # PyGithub: redirected to another host or scheme
        raise ItsmError(f"cannot read GitHub while {what}: {error}") from None
    except OSError as error:  # connection refused, timeouts
        raise ItsmError(f"cannot reach GitHub while {what}: {error}") from None


def _reason(error: Exception) -> str:
    if isinstance(error, BadAttributeException):
        expected = getattr(error.expected_type, "__name__", error.expected_type)
        return f"a value of the wrong type ({error.actual_value!r} where the API gives {expected})"
    if isinstance(error, RetryError):
        return "the answer's status was 202 (accepted, no content)"
    return str(error)


def _review(r: Any) -> Review:
    user = r.user  # None for a deleted account ("ghost")
    commit = r.commit_id
    if commit is not None and not isinstance(commit, str):
        raise NotGitHubAnswer("a review's commit is not a commit id")
    return Review(
        answer.integer(r.id, "a review's id"),
        answer.text(user.login, "a reviewer's login") if user is not None else "",
        _is_bot(user),
        answer.one_of(r.state, answer.REVIEW_STATES, "a review's state"),
        commit or "",
        answer.moment(r.submitted_at, "a review's time"),
    )


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
            retry=answer.NO_RETRIES,
            per_page=100,
            timeout=30,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        requester = self._github.requester
        setattr(requester, "requestJson", answer.checked_request_json(requester.requestJson))  # noqa: B010
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
        def fetch() -> PullRequestInfo:
            pull = self.repo.get_pull(number)
            user, head, base = pull.user, pull.head, pull.base
            if user is None or head is None or base is None:
                raise NotGitHubAnswer(f"pull request #{number} has no author, head or base")
            return PullRequestInfo(
                number,
                answer.text(user.login, "the author's login"),
                answer.sha(head.sha, "the head commit"),
                answer.sha(base.sha, "the base commit"),
                answer.text(base.ref, "the base branch"),
                answer.one_of(pull.state, frozenset({"open", "closed"}), "the state"),
            )

        return self._call(f"reading pull request #{number}", fetch)

    def reviews(self, number: int) -> list[Review]:
        def fetch() -> list[Review]:
            pull = self.repo.get_pull(number)
            return [_review(r) for r in pull.get_reviews()]

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
                state = answer.one_of(membership.state, frozenset({"active", "pending"}), "the membership state")
                return state == "active"

            self._team_cache[key] = self._call(f"checking {login} in team {org}/{slug}", check)
        return self._team_cache[key]

    def merge_commit(self, number: int) -> str:
        def fetch() -> str:
            pull = self.repo.get_pull(number)
            if not answer.flag(pull.merged, "whether it is merged"):
                raise ItsmError(f"pull request #{number} is not merged: there is no merge to record evidence on")
            return answer.sha(pull.merge_commit_sha, "the merge commit")

        return self._call(f"reading pull request #{number}", fetch)

    def pull_request_of(self, sha: str) -> int | None:
        """The merged pull request that brought ``sha`` in, if any."""

        def fetch() -> int | None:
            for pull in self.repo.get_commit(sha).get_pulls():
                if answer.flag(pull.merged, "whether a pull request is merged"):
                    return answer.integer(pull.number, "a pull request number")
            return None

        return self._call(f"finding the pull request of {sha[:12]}", fetch)

    def upsert_comment(self, number: int, marker: str, body: str) -> str:
        """Update the one comment that starts with ``marker``, or create it. Returns 'created' or 'updated'."""

        def run() -> str:
            pull = self.repo.get_pull(number)
            for comment in pull.get_issue_comments():
                existing = comment.body
                if existing is not None and not isinstance(existing, str):
                    raise NotGitHubAnswer("a comment's body is not text")
                # Only our own (bot) comment: a person quoting the marker is left alone.
                if (existing or "").startswith(marker) and _is_bot(comment.user):
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

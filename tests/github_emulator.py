"""A small GitHub REST API emulator on 127.0.0.1, so PyGithub runs unchanged in tests.

It serves the endpoints itsmctl uses (repositories, pull requests, reviews,
issue comments, commits, statuses, organisations, teams, memberships, users)
with GitHub's JSON shapes, Link-header pagination, token checks, and switches
to answer with rate limiting or server errors, or with anything at all on a
chosen path (``answer_raw``: a proxy's login page, truncated JSON, a redirect).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

TOKEN = "test-token"
COMMENT_LIMIT = 65_536  # characters of one issue comment, as GitHub takes them


@dataclass
class PullState:
    number: int
    author: str
    head_sha: str
    base_sha: str
    base_ref: str = "main"
    merge_commit: str | None = None
    reviews: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class RawAnswer:
    """Bytes served as they are for matching requests, instead of the API's answer."""

    method: str
    path: re.Pattern[str]
    status: int
    body: bytes
    content_type: str | None
    headers: tuple[tuple[str, str], ...]


@dataclass
class EmulatorState:
    repo: str = "acme/itsm"
    pulls: dict[int, PullState] = field(default_factory=dict)
    teams: dict[str, set[str]] = field(default_factory=dict)  # "org/slug" -> logins
    pending: dict[str, set[str]] = field(default_factory=dict)  # invited, not yet members
    bots: set[str] = field(default_factory=set)
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    rate_limited: bool = False
    fail_with: int | None = None
    requests: list[tuple[str, str]] = field(default_factory=list)
    next_id: int = 1000
    raw_answers: list[RawAnswer] = field(default_factory=list)


class GitHubEmulator:
    def __init__(self) -> None:
        self.state = EmulatorState()
        self._lock = threading.Lock()
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
                return

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null") if length else None
                raw = emulator.raw_answer(method, self.path)
                if raw is not None:
                    self._send_raw(raw)
                    return
                status, payload, headers = emulator.dispatch(
                    method, self.path, self.headers.get("Authorization", ""), body
                )
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _send_raw(self, raw: RawAnswer) -> None:
                self.send_response(raw.status)
                if raw.content_type is not None:
                    self.send_header("Content-Type", raw.content_type)
                self.send_header("Content-Length", str(len(raw.body)))
                for key, value in raw.headers:
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(raw.body)

            def do_GET(self) -> None:  # noqa: N802
                self._handle("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._handle("POST")

            def do_PATCH(self) -> None:  # noqa: N802
                self._handle("PATCH")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> GitHubEmulator:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- test set-up helpers -------------------------------------------------------------

    def add_pull(self, number: int, author: str, head_sha: str, base_sha: str) -> PullState:
        pull = PullState(number, author, head_sha, base_sha)
        self.state.pulls[number] = pull
        return pull

    def review(self, number: int, login: str, state: str, commit: str, minutes: int = 0) -> dict[str, Any]:
        with self._lock:
            self.state.next_id += 1
            review = {
                "id": self.state.next_id,
                "user": self._user(login),
                "state": state,
                "commit_id": commit,
                "submitted_at": (datetime(2026, 12, 1, 10, 0, tzinfo=UTC) + timedelta(minutes=minutes)).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
                "body": "",
            }
            self.state.pulls[number].reviews.append(review)
        return review

    def answer_raw(
        self,
        path: str,
        body: str | bytes = b"",
        status: int = 200,
        content_type: str | None = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
        method: str = "GET",
    ) -> None:
        """Answer requests whose path (without the query) fully matches the regex ``path`` with exactly this."""
        data = body.encode() if isinstance(body, str) else body
        answer = RawAnswer(method, re.compile(path), status, data, content_type, tuple((headers or {}).items()))
        self.state.raw_answers.append(answer)

    def raw_answer(self, method: str, raw_path: str) -> RawAnswer | None:
        path = urlparse(raw_path).path
        for answer in self.state.raw_answers:
            if answer.method == method and answer.path.fullmatch(path):
                with self._lock:
                    self.state.requests.append((method, path))
                return answer
        return None

    # --- the API -------------------------------------------------------------------------

    def _user(self, login: str) -> dict[str, Any]:
        kind = "Bot" if login in self.state.bots or login.endswith("[bot]") else "User"
        return {"login": login, "id": abs(hash(login)) % 10**6, "type": kind, "url": f"{self.url}/users/{login}"}

    def _repo(self) -> dict[str, Any]:
        owner, name = self.state.repo.split("/")
        return {
            "id": 1,
            "name": name,
            "full_name": self.state.repo,
            "owner": self._user(owner),
            "url": f"{self.url}/repos/{self.state.repo}",
        }

    def _pull(self, pull: PullState) -> dict[str, Any]:
        base = f"{self.url}/repos/{self.state.repo}"
        return {
            "id": pull.number,
            "number": pull.number,
            "state": "open",
            "title": f"PR {pull.number}",
            "user": self._user(pull.author),
            "head": {"sha": pull.head_sha, "ref": f"pr-{pull.number}"},
            "base": {"sha": pull.base_sha, "ref": pull.base_ref},
            "url": f"{base}/pulls/{pull.number}",
            "issue_url": f"{base}/issues/{pull.number}",
            "merged": pull.merge_commit is not None,
            "merge_commit_sha": pull.merge_commit,
        }

    def _page(
        self, items: list[dict[str, Any]], path: str, query: dict[str, list[str]]
    ) -> tuple[int, Any, dict[str, str]]:
        per_page = min(int(query.get("per_page", ["30"])[0]), 100)
        page = int(query.get("page", ["1"])[0])
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        last = max(1, -(-len(items) // per_page))
        if page < last:
            headers["Link"] = (
                f'<{self.url}{path}?per_page={per_page}&page={page + 1}>; rel="next", '
                f'<{self.url}{path}?per_page={per_page}&page={last}>; rel="last"'
            )
        return 200, chunk, headers

    def dispatch(self, method: str, raw_path: str, auth: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        parsed = urlparse(raw_path)
        path, query = parsed.path, parse_qs(parsed.query)
        with self._lock:
            self.state.requests.append((method, path))
        if self.state.rate_limited:
            reset = str(int(datetime.now(UTC).timestamp()) + 3600)
            return (
                403,
                {"message": "API rate limit exceeded for user."},
                {
                    "X-RateLimit-Limit": "5000",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": reset,
                },
            )
        if self.state.fail_with:
            return self.state.fail_with, {"message": "Server Error"}, {}
        if auth not in (f"token {TOKEN}", f"Bearer {TOKEN}"):
            return 401, {"message": "Bad credentials"}, {}
        repo = f"/repos/{self.state.repo}"
        routes: list[tuple[str, str, Any]] = [
            ("GET", rf"^{repo}$", lambda m: (200, self._repo(), {})),
            ("GET", rf"^{repo}/pulls/(\d+)$", self._get_pull),
            ("GET", rf"^{repo}/pulls/(\d+)/reviews$", lambda m: self._list(m, "reviews", path, query)),
            ("GET", rf"^{repo}/issues/(\d+)/comments$", lambda m: self._list(m, "comments", path, query)),
            ("POST", rf"^{repo}/issues/(\d+)/comments$", lambda m: self._create_comment(m, body)),
            ("PATCH", rf"^{repo}/issues/comments/(\d+)$", lambda m: self._edit_comment(m, body)),
            ("GET", rf"^{repo}/commits/(\w+)/pulls$", self._pulls_of_commit),
            (
                "GET",
                rf"^{repo}/commits/(\w+)$",
                lambda m: (200, {"sha": m.group(1), "url": f"{self.url}{repo}/commits/{m.group(1)}"}, {}),
            ),
            ("POST", rf"^{repo}/statuses/(\w+)$", lambda m: self._create_status(m, body)),
            (
                "GET",
                r"^/orgs/([^/]+)$",
                lambda m: (200, {"login": m.group(1), "id": 7, "url": f"{self.url}/orgs/{m.group(1)}"}, {}),
            ),
            ("GET", r"^/orgs/([^/]+)/teams/([^/]+)$", self._get_team),
            ("GET", r"^/orgs/([^/]+)/teams/([^/]+)/memberships/([^/]+)$", self._membership),
            ("GET", r"^/users/([^/]+)$", lambda m: (200, self._user(m.group(1)), {})),
        ]
        for verb, pattern, handler in routes:
            match = re.match(pattern, path)
            if verb == method and match:
                return handler(match)  # type: ignore[no-any-return]
        return 404, {"message": "Not Found"}, {}

    def _pulls_of_commit(self, match: re.Match[str]) -> tuple[int, Any, dict[str, str]]:
        sha = match.group(1)
        found = [self._pull(p) for p in self.state.pulls.values() if sha in (p.merge_commit, p.head_sha)]
        return 200, found, {}

    def _get_pull(self, match: re.Match[str]) -> tuple[int, Any, dict[str, str]]:
        pull = self.state.pulls.get(int(match.group(1)))
        return (200, self._pull(pull), {}) if pull else (404, {"message": "Not Found"}, {})

    def _list(
        self, match: re.Match[str], what: str, path: str, query: dict[str, list[str]]
    ) -> tuple[int, Any, dict[str, str]]:
        pull = self.state.pulls.get(int(match.group(1)))
        if pull is None:
            return 404, {"message": "Not Found"}, {}
        return self._page(getattr(pull, what), path, query)

    @staticmethod
    def _too_long(body: Any) -> tuple[int, Any, dict[str, str]] | None:
        # As GitHub: an issue comment holds at most 65,536 characters.
        if len(body["body"]) <= COMMENT_LIMIT:
            return None
        error = {"resource": "IssueComment", "code": "custom", "field": "body"}
        error["message"] = f"body is too long (maximum is {COMMENT_LIMIT} characters)"
        return 422, {"message": "Validation Failed", "errors": [error]}, {}

    def _create_comment(self, match: re.Match[str], body: Any) -> tuple[int, Any, dict[str, str]]:
        if refused := self._too_long(body):
            return refused
        pull = self.state.pulls[int(match.group(1))]
        with self._lock:
            self.state.next_id += 1
            comment = {
                "id": self.state.next_id,
                "body": body["body"],
                "user": self._user("github-actions[bot]"),
                "url": f"{self.url}/repos/{self.state.repo}/issues/comments/{self.state.next_id}",
            }
            pull.comments.append(comment)
        return 201, comment, {}

    def _edit_comment(self, match: re.Match[str], body: Any) -> tuple[int, Any, dict[str, str]]:
        if refused := self._too_long(body):
            return refused
        for pull in self.state.pulls.values():
            for comment in pull.comments:
                if comment["id"] == int(match.group(1)):
                    comment["body"] = body["body"]
                    return 200, comment, {}
        return 404, {"message": "Not Found"}, {}

    def _create_status(self, match: re.Match[str], body: Any) -> tuple[int, Any, dict[str, str]]:
        status = {"id": len(self.state.statuses) + 1, "url": "", **body}
        self.state.statuses.setdefault(match.group(1), []).append(status)
        return 201, status, {}

    def _get_team(self, match: re.Match[str]) -> tuple[int, Any, dict[str, str]]:
        key = f"{match.group(1)}/{match.group(2)}"
        if key not in self.state.teams:
            return 404, {"message": "Not Found"}, {}
        team = {
            "id": abs(hash(key)) % 10**6,
            "slug": match.group(2),
            "name": match.group(2),
            "url": f"{self.url}/orgs/{key.replace('/', '/teams/', 1)}",
        }
        return 200, team, {}

    def _membership(self, match: re.Match[str]) -> tuple[int, Any, dict[str, str]]:
        key = f"{match.group(1)}/{match.group(2)}"
        login = match.group(3)
        if login in self.state.teams.get(key, set()):
            return 200, {"state": "active", "role": "member", "url": ""}, {}
        if login in self.state.pending.get(key, set()):
            return 200, {"state": "pending", "role": "member", "url": ""}, {}
        return 404, {"message": "Not Found"}, {}

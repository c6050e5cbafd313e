"""Answers that are not GitHub's API: never read as "no reviews", "not a member" or "no comment".

A proxy's login page served with status 200, a truncated or non-JSON body, JSON
of the wrong shape, a redirect, an HTML error page: `review` must stop with exit
2 and "cannot read GitHub", whichever request gets it. The pull request below
has every approval it needs (frank only through the GitHub team), so a correct
read exits 0 and a misread one would report missing approvals (exit 1) or, for
the comment, post a second one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.attacks.hostile import serve_github
from tests.conftest import GOLD_SLA, approval_policy, change, ci, service, team
from tests.github_emulator import GitHubEmulator
from tests.gitrepo import GitRepo

WINDOW = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")
CAB = "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: cab}\nspec: {members: [carol, dave], githubTeam: acme/cab}\n"

REPO = "/repos/acme/itsm"
PULL = f"{REPO}/pulls/7"
REVIEWS = f"{PULL}/reviews"
COMMENTS = f"{REPO}/issues/7/comments"
TEAM = "/orgs/acme/teams/cab"
MEMBERSHIP = f"{TEAM}/memberships/frank"

LOGIN_PAGE = (
    "<!DOCTYPE html><html><head><title>Sign in - Acme web proxy</title></head>"
    '<body><form method="post" action="/login"><input name="user"></form></body></html>'
)


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubEmulator]:
    yield from serve_github(monkeypatch)


@pytest.fixture
def approved_pr(tmp_path: Path, github: GitHubEmulator) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    base = repo.commit(
        "catalog",
        {
            "catalog/teams.yaml": team("ops", "[alice, bob]") + "---\n" + CAB,
            "catalog/slas.yaml": GOLD_SLA,
            "catalog/cmdb.yaml": ci("db") + "---\n" + service("shop", tier=2, depends="[ci:db]"),
            "policies/change.yaml": approval_policy("[{team: team:cab, count: 2}]"),
            "changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW),
        },
    )
    repo.branch("pr-7")
    head = repo.commit("approve chg-1", {"changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW, status="approved")})
    github.add_pull(7, "alice", head, base)
    github.state.teams["acme/cab"] = {"frank"}
    github.review(7, "carol", "APPROVED", head)
    github.review(7, "frank", "APPROVED", head)  # counts only through the GitHub team: membership is read
    return repo


def _review(run_cli, repo: GitRepo, *extra: str):  # type: ignore[no-untyped-def]
    return run_cli("-C", str(repo.root), "review", "--pr", "7", *extra)


def test_the_pull_request_passes_when_github_answers(approved_pr: GitRepo, github: GitHubEmulator, run_cli) -> None:  # type: ignore[no-untyped-def]
    # Without this, the cases below could pass for another reason than the bad answer.
    result = _review(run_cli, approved_pr, "--comment")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert ("GET", MEMBERSHIP) in github.state.requests


def _review_json(review_id: int, **fields: object) -> dict[str, object]:
    review: dict[str, object] = {
        "id": review_id,
        "user": {"login": "carol", "id": 1, "type": "User"},
        "state": "APPROVED",
        "commit_id": "0" * 40,
        "submitted_at": "2026-12-01T10:00:00Z",
    }
    review.update(fields)
    return review


JSON = "application/json; charset=utf-8"
# (path, body, status, content type, headers)
BAD_ANSWERS: dict[str, tuple[str, str, int, str | None, dict[str, str]]] = {
    "reviews: login page with 200": (REVIEWS, LOGIN_PAGE, 200, "text/html; charset=utf-8", {}),
    "reviews: login page labelled JSON": (REVIEWS, LOGIN_PAGE, 200, JSON, {}),
    "reviews: plain text": (REVIEWS, "OK", 200, "text/plain", {}),
    "reviews: empty body": (REVIEWS, "", 200, JSON, {}),
    "reviews: truncated JSON": (REVIEWS, '[{"id": 1, "user": {"login": "carol"', 200, JSON, {}),
    "reviews: an object, not a list": (REVIEWS, '{"message": "ok"}', 200, JSON, {}),
    "reviews: a list of strings": (REVIEWS, '["APPROVED"]', 200, JSON, {}),
    "reviews: null": (REVIEWS, "null", 200, JSON, {}),
    "reviews: a state that is not a string": (REVIEWS, json.dumps([_review_json(1, state=5)]), 200, JSON, {}),
    "reviews: no state": (
        REVIEWS,
        json.dumps([{k: v for k, v in _review_json(1).items() if k != "state"}]),
        200,
        JSON,
        {},
    ),
    "reviews: an unknown state": (REVIEWS, json.dumps([_review_json(1, state="MAYBE")]), 200, JSON, {}),
    "reviews: a user that is a string": (REVIEWS, json.dumps([_review_json(1, user="carol")]), 200, JSON, {}),
    "reviews: redirect to a login page": (REVIEWS, "", 302, None, {"Location": "https://sso.example/login"}),
    "reviews: moved to another host": (REVIEWS, "", 301, None, {"Location": "https://proxy.example/login"}),
    "reviews: moved to a login page here": (REVIEWS, "", 301, None, {"Location": "/login"}),
    "reviews: 307": (REVIEWS, "", 307, None, {"Location": REVIEWS}),
    "reviews: not modified": (REVIEWS, "", 304, None, {}),
    "reviews: HTML error page": (REVIEWS, "<html><body>502 Bad Gateway</body></html>", 502, "text/html", {}),
    "reviews: 202 accepted, no body": (REVIEWS, "", 202, None, {}),
    "pull request: login page": (PULL, LOGIN_PAGE, 200, "text/html", {}),
    "pull request: a list": (PULL, "[]", 200, JSON, {}),
    "pull request: no head": (PULL, json.dumps({"number": 7, "user": {"login": "alice"}}), 200, JSON, {}),
    "pull request: a head sha that is a number": (
        PULL,
        json.dumps(
            {
                "number": 7,
                "state": "open",
                "user": {"login": "alice"},
                "head": {"sha": 1, "ref": "x"},
                "base": {"sha": "0" * 40, "ref": "main"},
            }
        ),
        200,
        JSON,
        {},
    ),
    "repository: login page": (REPO, LOGIN_PAGE, 200, "text/html", {}),
    "team: login page": (TEAM, LOGIN_PAGE, 200, "text/html", {}),
    "membership: login page": (MEMBERSHIP, LOGIN_PAGE, 200, "text/html", {}),
    "membership: a proxy's HTML 404": (MEMBERSHIP, "<html>Not here</html>", 404, "text/html", {}),
    "membership: no state": (MEMBERSHIP, '{"role": "member"}', 200, JSON, {}),
    "membership: a list": (MEMBERSHIP, "[]", 200, JSON, {}),
}


@pytest.mark.parametrize("case", BAD_ANSWERS)
def test_an_answer_that_is_not_the_api_stops_review_with_exit_2(  # type: ignore[no-untyped-def]
    approved_pr: GitRepo, github: GitHubEmulator, run_cli, case: str
) -> None:
    path, body, status, content_type, headers = BAD_ANSWERS[case]
    github.answer_raw(path, body, status, content_type, headers)
    result = _review(run_cli, approved_pr, "--status")
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "cannot read GitHub" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert "missing" not in result.stdout  # no verdict was printed
    assert github.state.statuses == {}  # and none was published


@pytest.mark.parametrize(
    "answer",
    [(LOGIN_PAGE, 200, "text/html"), ('{"id": 1}', 200, JSON), ("[", 200, JSON)],
    ids=["login page", "an object", "truncated"],
)
def test_comments_that_cannot_be_read_are_not_read_as_none(  # type: ignore[no-untyped-def]
    approved_pr: GitRepo, github: GitHubEmulator, run_cli, answer: tuple[str, int, str]
) -> None:
    assert _review(run_cli, approved_pr, "--comment").exit_code == 0
    github.answer_raw(COMMENTS, *answer)
    result = _review(run_cli, approved_pr, "--comment")
    assert result.exit_code == 2 and "cannot read GitHub" in result.stderr, result.stderr
    assert len(github.state.pulls[7].comments) == 1  # not a second plan comment


def test_a_status_github_does_not_confirm_is_an_error(approved_pr: GitRepo, github: GitHubEmulator, run_cli) -> None:  # type: ignore[no-untyped-def]
    head = approved_pr.repo.commit("pr-7").hexsha
    github.answer_raw(f"{REPO}/statuses/{head}", LOGIN_PAGE, 200, "text/html", method="POST")
    result = _review(run_cli, approved_pr, "--status")
    assert result.exit_code == 2 and "cannot read GitHub" in result.stderr, result.stderr


def test_evidence_record_does_not_record_what_it_could_not_read(  # type: ignore[no-untyped-def]
    approved_pr: GitRepo, github: GitHubEmulator, run_cli
) -> None:
    repo = approved_pr
    repo.checkout("main")
    merge = repo.merge("pr-7", "Merge pull request #7")
    github.state.pulls[7].merge_commit = merge
    github.answer_raw(REVIEWS, LOGIN_PAGE, 200, "text/html")
    result = run_cli("-C", str(repo.root), "evidence", "record", "--pr", "7")
    assert result.exit_code == 2 and "cannot read GitHub" in result.stderr, result.stderr
    assert "refs/notes/itsm" not in {ref.path for ref in repo.repo.refs}

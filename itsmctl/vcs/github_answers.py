"""Is this answer GitHub's API? Checked before PyGithub reads it.

PyGithub turns a body that is not JSON into ``{"data": "<html>..."}`` and an
object where a list was expected into an empty or odd list, and lets a value
of the wrong type through as ``None``: a proxy's login page served with status
200 would read as "no reviews", "not a member", "no comment yet". Every answer
is checked here instead (status, content type, complete JSON, a list or an
object as the endpoint gives), and each value the change flow uses is checked
where it is read; anything else is ``NotGitHubAnswer``, which the client turns
into "cannot read GitHub" (exit 2): never a verdict.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlparse

from urllib3.util.retry import Retry

T = TypeVar("T")

# Endpoints the client reads that answer a JSON list (all others answer an object).
_LIST_ENDPOINTS = re.compile(r"/(?:reviews|comments|pulls)/?$")
_JSON_CONTENT = re.compile(r"^application/(?:[\w.-]+\+)?json\s*(?:;|$)", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>([^<]{0,80})", re.IGNORECASE)
_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
REVIEW_STATES = frozenset({"APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"})

# PyGithub repeats a GET answered 202 every two seconds, without end: no endpoint
# the client reads answers 202, so the first one is an error (urllib3 raises it).
NO_RETRIES = Retry(total=0, connect=0, read=0, redirect=0, status=0, status_forcelist=[202], allowed_methods=None)


class NotGitHubAnswer(Exception):
    """An answer that is not what GitHub's API sends."""


def checked_request_json(
    request_json: Callable[..., tuple[int, dict[str, Any], str]],
) -> Callable[..., tuple[int, dict[str, Any], str]]:
    """Wrap ``Requester.requestJson``, through which every PyGithub call the client makes goes."""

    def request(verb: str, url: str, *args: Any, **kwargs: Any) -> tuple[int, dict[str, Any], str]:
        status, headers, output = request_json(verb, url, *args, **kwargs)
        check_answer(verb, url, status, headers, output)
        return status, headers, output

    return request


def check_answer(verb: str, url: str, status: int, headers: dict[str, Any], output: str) -> None:
    path = urlparse(url).path
    where = f"{verb} {path}"
    content_type = str(headers.get("content-type") or "")
    is_json = bool(_JSON_CONTENT.match(content_type))
    if status >= 400 and is_json:
        return  # GitHub's own error: PyGithub raises its typed exception (rate limit, bad token, not found)
    if status not in (200, 201):
        moved = f" to {str(headers['location'])!r}" if headers.get("location") else ""
        kind = f" ({content_type})" if content_type else ""
        raise NotGitHubAnswer(f"{where} was answered with status {status}{kind}{moved}{_shown(content_type, output)}")
    if not is_json:
        raise NotGitHubAnswer(
            f"{where} was answered with {content_type or 'no content type'}, not the API's JSON{_shown(content_type, output)}"
        )
    try:
        data = json.loads(output)
    except ValueError:
        raise NotGitHubAnswer(
            f"{where} was answered with incomplete or invalid JSON{_shown(content_type, output)}"
        ) from None
    if verb == "GET" and _LIST_ENDPOINTS.search(path):
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise NotGitHubAnswer(f"{where} was answered with {_kind(data)} where the API gives a list of objects")
    elif not isinstance(data, dict):
        raise NotGitHubAnswer(f"{where} was answered with {_kind(data)} where the API gives an object")


def _kind(data: object) -> str:
    if isinstance(data, list):
        return "a list" if all(isinstance(item, dict) for item in data) else "a list of non-objects"
    return {dict: "an object", str: "a string", bool: "a boolean", type(None): "null"}.get(type(data), "a number")


def _shown(content_type: str, output: str) -> str:
    """A hint of what answered: an HTML page's title (a proxy's login page says who it is)."""
    title = _TITLE.search(output) if "html" in content_type.lower() or output.lstrip().startswith("<") else None
    return f": {title.group(1).strip()!r}" if title and title.group(1).strip() else ""


# --- values the change flow reads ---------------------------------------------------------


def text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise NotGitHubAnswer(f"{what} is missing or not text")
    return value


def sha(value: object, what: str) -> str:
    if not isinstance(value, str) or not _SHA.match(value):
        raise NotGitHubAnswer(f"{what} is not a commit id")
    return value


def integer(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise NotGitHubAnswer(f"{what} is not a number")
    return value


def flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise NotGitHubAnswer(f"{what} is not true or false")
    return value


def one_of(value: object, allowed: frozenset[str], what: str) -> str:
    if value not in allowed:
        raise NotGitHubAnswer(f"{what} is {value!r}, not one of {', '.join(sorted(allowed))}")
    assert isinstance(value, str)
    return value


def moment(value: object, what: str) -> datetime | None:
    if value is not None and not isinstance(value, datetime):
        raise NotGitHubAnswer(f"{what} is not a time")
    return value

"""Output injection: hostile record text in the Markdown GitHub renders (PR comment, job summary).

`review --comment` posts `render_markdown` as a pull request comment, and the
pull request workflow appends `plan --format markdown` to the job summary. The
Markdown is rendered here as GitHub would (CommonMark, GFM tables, raw HTML
passed through, every link scheme accepted: the worst case), then the HTML is
parsed: only the tags the report writes itself may appear, with no attributes
at all, no link, no image, no mention, and every table row keeps its cells.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.attacks.hostile import MARKUP, serve_github, yaml_string
from tests.conftest import GOLD_SLA, approval_policy, change, ci, service, team
from tests.github_emulator import GitHubEmulator
from tests.gitrepo import GitRepo

WINDOW = ("2026-12-08T22:00:00+01:00", "2026-12-08T23:00:00+01:00")
# The tags render_markdown produces from its own Markdown and HTML (<details>, <summary>, <br>).
OWN_TAGS = frozenset("h2 h3 p strong code ul li table thead tbody tr th td details summary br".split())
MARKER = "<!-- itsmctl:plan -->"
# Field values are shown in code spans: this one tries to close its span early.
CLOSES_CODE = yaml_string("x` <img src=x onerror=alert(3)> `y")


def _renderer() -> MarkdownIt:
    renderer = MarkdownIt("commonmark", {"html": True}).enable("table")
    renderer.validateLink = lambda url: True  # accept javascript: too: assume the least of the host
    return renderer


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.tables: list[list[list[str]]] = []  # table -> row -> cell text
        self.text: list[str] = []  # text outside <code>
        self._code = 0
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "code":
            self._code += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "code":
            self._code -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if not self._code:
            self.text.append(data)


def assert_inert(markdown: str) -> _Html:
    """Render like GitHub and check nothing in it is live markup; returns the parsed page."""
    assert markdown.startswith(MARKER + "\n") and markdown.count("<!--") == 1, "only our own marker comment"
    html = _Html()
    html.feed(_renderer().render(markdown))
    tags = {tag for tag, _ in html.elements}
    assert tags <= OWN_TAGS, tags - OWN_TAGS
    # GFM writes style="text-align:right" on aligned columns: the only attribute there may be.
    attributes = {(name, value) for _, attrs in html.elements for name, value in attrs}
    assert attributes <= {("style", "text-align:right")}, attributes
    assert not re.search(r"@[A-Za-z0-9]", "".join(html.text)), "a mention outside code would notify someone"
    return html


def visible(html: _Html) -> str:
    return "".join(html.text)


# GFM pads or cuts every row to the header's cells, so a pipe or newline in a value
# shows as cells holding the wrong thing, or as extra rows: check the contents.
def assert_change_table(html: _Html, transition: str) -> None:
    header, *rows = html.tables[0]
    assert header == ["change", "transition", "risk", "approvals"]
    assert len(rows) == 1 and rows[0][1] == transition, rows
    assert rows[0][0].startswith("chg-1 <img src=x onerror=alert(1)>") and rows[0][0].endswith("<!-- hidden -->")
    for table in html.tables[1:]:
        if table[0] == ["factor", "points", "reason"]:
            assert all(re.fullmatch(r"(impact|likelihood)\.[a-z-]+", row[0]) for row in table[1:]), table
            assert all(re.fullmatch(r"[+-]\d+\.\d\d", row[1]) for row in table[1:]), table


def test_the_renderer_would_show_the_attack_if_it_were_not_escaped() -> None:
    # Fed raw, the payload does produce what the checks forbid.
    with pytest.raises(AssertionError):
        assert_inert(f"{MARKER}\n{MARKUP}\n")
    raw_table = (
        f"{MARKER}\n| change | transition | risk | approvals |\n|---|---|---|---|\n| chg-1 {MARKUP} | x | y | z |\n"
    )
    with pytest.raises(AssertionError):
        assert_change_table(_parse(raw_table), "x")


def _parse(markdown: str) -> _Html:
    html = _Html()
    html.feed(_renderer().render(markdown))
    return html


POLICY = approval_policy() + (
    "  rules:\n"
    "    - id: always\n"
    "      severity: warning\n"
    "      match: {kinds: [Change]}\n"
    "      assert: 'false'\n"
    f"      message: {yaml_string(MARKUP)}\n"
)


@pytest.fixture
def hostile_pr(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "catalog",
        {
            "catalog/teams.yaml": team("ops", "[alice, bob]") + "---\n" + team("cab", "[carol, dave, erin]"),
            "catalog/slas.yaml": GOLD_SLA,
            "catalog/cmdb.yaml": ci("db") + "---\n" + service("shop", tier=2, depends="[ci:db]"),
            "policies/change.yaml": POLICY,
            "changes/chg-1.yaml": change("chg-1", "[ci:db]", *WINDOW),
        },
    )
    repo.branch("pr")
    hostile = change(
        "chg-1",
        "[ci:db]",
        *WINDOW,
        status="approved",
        extra=f"  x-note: {yaml_string(MARKUP)}\n  x-code: {CLOSES_CODE}\n",
    ).replace("title: Change chg-1", f"title: {yaml_string(MARKUP)}")
    repo.commit("hostile", {"changes/chg-1.yaml": hostile})
    return repo


def test_plan_markdown_for_the_job_summary_is_inert(hostile_pr: GitRepo, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("-C", str(hostile_pr.root), "plan", "--base", "main", "--head", "pr", "--format", "markdown")
    assert result.exit_code == 0
    html = assert_inert(result.stdout)
    assert_change_table(html, "requested → approved")
    text = visible(html)
    # Shown as text, not dropped: in the title row, the heading and the policy finding.
    assert text.count("<img src=x onerror=alert(1)>") >= 3
    assert "[click](javascript:alert(1))" in text and "@\u200beveryone" in text


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubEmulator]:
    yield from serve_github(monkeypatch)


def test_review_comment_is_inert_with_hostile_titles_and_rejected_reviewers(  # type: ignore[no-untyped-def]
    hostile_pr: GitRepo, github: GitHubEmulator, run_cli
) -> None:
    repo = hostile_pr.repo
    head = repo.commit("pr").hexsha
    github.add_pull(7, "alice", head, repo.commit("main").hexsha)
    github.review(7, "carol", "APPROVED", head)
    github.review(7, "mallory", "APPROVED", head)  # not in the team: listed with the reason
    github.review(7, "alice", "APPROVED", head)  # the requester: listed with the reason
    result = run_cli("-C", str(hostile_pr.root), "review", "--pr", "7", "--comment")
    assert result.exit_code == 1
    (comment,) = github.state.pulls[7].comments
    html = assert_inert(comment["body"])
    assert_change_table(html, "requested → approved")
    text = visible(html)
    assert "<img src=x onerror=alert(1)>" in text
    assert "not a member of team:cab" in text and "no self-approval" in text

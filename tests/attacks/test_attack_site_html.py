"""Output injection: hostile record text in the catalog site (`itsmctl catalog build`).

The example repository is copied and every free-text field a page can show
(titles, descriptions, labels, contacts, plans, outcomes, freeze reasons,
incident, problem, request and article titles) is replaced by markup that
tries every way out: elements, event handlers, closing the <title>, breaking
out of double- and single-quoted attributes, and javascript: text. The built
pages are parsed with html.parser: the only script and the only event handler
are the site's own, no URL is javascript:/data:, and the hostile text is on
the pages as text.
"""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from itsmctl.cli import main
from itsmctl.report.escape import visible
from tests.conftest import REPO_ROOT

SITE_MARKUP = (
    "<img src=x onerror=alert(1)><script>alert(2)</script>\" onmouseover=\"alert(3)' onfocus='alert(4)"
    " </title><svg onload=alert(5)> javascript:alert(6)"
    " pay\u202eLMTH.exe\u202c \u2066iso\u2069 z\u200bw \x1b[2J"  # reorders, hides, repaints (issue 11, item 11)
)
SHOWN = "<img src=x onerror=alert(1)><script>alert(2)</script>"
# What the site itself writes (index.html's search): nothing else may be active.
OWN_SCRIPTS = {("index.html", "static/search.js")}
OWN_HANDLERS = {("index.html", "form", "onsubmit", "return false")}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
_TEXT_FIELDS = {
    "Change": ("implementationPlan", "rollbackPlan", "testPlan"),
    "Incident": ("summary",),
    "Problem": ("rootCause", "workaround"),
    "RequestType": ("description",),
    "StandardChange": ("description",),
}


def _poison(document: dict[str, Any]) -> None:
    metadata, spec, kind = document["metadata"], document.get("spec") or {}, document["kind"]
    metadata["title"] = SITE_MARKUP
    metadata["description"] = SITE_MARKUP
    metadata.setdefault("labels", {})["hostile"] = SITE_MARKUP
    metadata.setdefault("annotations", {})["hostile"] = SITE_MARKUP
    if kind in ("Change", "Incident", "Problem", "RequestType"):
        spec["title"] = SITE_MARKUP
    for name in _TEXT_FIELDS.get(kind, ()):
        if name in spec:
            spec[name] = f"{SITE_MARKUP}\n{spec[name]}"
    if kind == "Change" and "outcome" in spec:
        spec["outcome"]["summary"] = SITE_MARKUP
    if kind == "Team":
        spec.setdefault("contact", {}).update(slack=SITE_MARKUP, pager=SITE_MARKUP)
    if kind == "Freeze":
        spec["reason"] = SITE_MARKUP


def _hostile_repository(root: Path) -> None:
    for folder in ("catalog", "changes", "policies"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    for path in [*root.glob("catalog/**/*.yaml"), *root.glob("changes/**/*.yaml")]:
        documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
        for document in documents:
            _poison(document)
        path.write_text(yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True), encoding="utf-8")
    for path in root.glob("catalog/knowledge/*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(
            re.sub(r"(?m)^title: .*$", lambda _: f"title: {json.dumps(SITE_MARKUP)}", text, count=1),
            encoding="utf-8",
        )


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile-catalog")
    _hostile_repository(root)
    # Every poisoned record is valid: none is left out of the site for a schema error.
    assert main(["-C", str(root), "validate", "--fail-on", "error", "--format", "json"]) == 0
    out = root / "_site"
    assert main(["-C", str(root), "catalog", "build", "--out", str(out), "--quiet"]) == 0
    return out


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.script_text: list[str] = []
        self.text: list[str] = []
        self.page_titles = 0  # <title> of the document (an SVG has its own)
        self._in_script = False
        self._svg = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))
        self._in_script = tag == "script"
        self._svg += tag == "svg"
        self.page_titles += tag == "title" and not self._svg

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
        self._svg -= tag == "svg"

    def handle_data(self, data: str) -> None:
        (self.script_text if self._in_script else self.text).append(data)


def _pages(site: Path) -> dict[str, _Page]:
    pages = {}
    for path in sorted(site.rglob("*.html")):
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        page.close()
        pages[path.relative_to(site).as_posix()] = page
    return pages


def test_every_kind_of_page_shows_the_hostile_text_as_text(hostile_site: Path) -> None:
    pages = _pages(hostile_site)
    shown = {name for name, page in pages.items() if SHOWN in "".join(page.text)}
    for folder in ("services", "teams", "cis", "changes"):
        in_folder = {name for name in pages if name.startswith(f"{folder}/")}
        assert in_folder and in_folder <= shown, sorted(in_folder - shown)[:5]
    assert {"index.html", "teams.html", "calendar.html"} <= shown
    # A freeze reason goes into a title="..." attribute: still one value, the whole text (invisible characters
    # shown as escapes).
    calendar = pages["calendar.html"]
    assert any(attrs.get("title") == visible(SITE_MARKUP, keep_newlines=True) for _, attrs in calendar.elements)


def test_no_script_but_the_sites_own(hostile_site: Path) -> None:
    scripts = set()
    for name, page in _pages(hostile_site).items():
        for tag, attrs in page.elements:
            if tag == "script":
                scripts.add((name, attrs.get("src", "")))
        assert "".join(page.script_text).strip() == "", f"{name}: inline script"
    assert scripts == OWN_SCRIPTS


def test_no_event_handler_attribute_but_the_sites_own(hostile_site: Path) -> None:
    handlers = {
        (name, tag, attribute, value)
        for name, page in _pages(hostile_site).items()
        for tag, attrs in page.elements
        for attribute, value in attrs.items()
        if attribute.startswith("on")
    }
    assert handlers == OWN_HANDLERS


def test_no_injected_elements_and_one_title_per_page(hostile_site: Path) -> None:
    for name, page in _pages(hostile_site).items():
        tags = [tag for tag, _ in page.elements]
        assert not {"img", "iframe", "object", "embed", "base", "frame"} & set(tags), name
        assert page.page_titles == 1, name  # the </title> in a value closed nothing
        assert tags.count("svg") <= 1, name  # the dependency picture of a service page, no other


def test_no_javascript_or_data_urls(hostile_site: Path) -> None:
    for name, page in _pages(hostile_site).items():
        for tag, attrs in page.elements:
            for attribute, value in attrs.items():
                if attribute in URL_ATTRIBUTES:
                    scheme = re.sub(r"[\x00-\x20]", "", value).lower()
                    assert not scheme.startswith(("javascript:", "data:", "vbscript:")), f"{name}: <{tag} {attribute}>"


def test_no_page_shows_a_character_that_hides_or_reorders_text(hostile_site: Path) -> None:
    invisible = {"Cc", "Cf", "Zl", "Zp", "Cs"}
    for page in hostile_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        raw = {f"U+{ord(c):04X}" for c in text if c not in "\n\t" and unicodedata.category(c) in invisible}
        assert raw == set(), f"{page.name}: {sorted(raw)}"
    checkout = (hostile_site / "services" / "checkout.html").read_text(encoding="utf-8")
    assert "pay\\u202eLMTH.exe\\u202c" in checkout and "\\x1b[2J" in checkout  # shown as escapes

"""The catalog site in a real headless Chromium, driven by Playwright.

Uses the system Chromium (``.ci/run`` installs it); no browser is downloaded.
Screenshots of the index and a service page go to ``test-artifacts/``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "test-artifacts"

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is a test dependency")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs the system chromium (.ci/run installs it)")


class Visit:
    """One page, with every console error, dialog and request it produced."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("request", lambda request: self.requests.append(request.url))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def visit(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield Visit(page)
    context.close()


def _open(visit: Visit, path: Path) -> None:
    visit.page.goto(path.as_uri())
    visit.page.wait_for_load_state("load")


def _clean(visit: Visit) -> None:
    assert visit.errors == []
    assert visit.dialogs == []
    assert all(url.startswith("file://") for url in visit.requests), visit.requests


def test_index_lists_every_service_and_search_filters(visit: Visit, example_site: Path) -> None:
    _open(visit, example_site / "index.html")
    rows = visit.page.locator("#services .service-row")
    services = len(list((example_site / "services").glob("*.html")))
    assert rows.count() == services
    assert visit.page.locator("#count").inner_text() == f"{services} of {services}"
    visit.page.fill("#search", "payment")
    visible = visit.page.locator("#services .service-row:visible")
    assert 0 < visible.count() < services
    texts = [visible.nth(i).get_attribute("data-text") or "" for i in range(visible.count())]
    assert all("payment" in text for text in texts)
    visit.page.fill("#search", "")
    visit.page.select_option("#f-tier", "1")
    assert all("tier 1" in text for text in visit.page.locator("#services .service-row:visible").all_inner_texts())
    visit.page.select_option("#f-tier", "")
    visit.page.select_option("#f-team", "payments")
    assert visit.page.locator("#services .service-row:visible").count() >= 3
    visit.page.fill("#search", "no-such-service-anywhere")
    assert visit.page.locator("#empty").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    visit.page.fill("#search", "")
    visit.page.select_option("#f-team", "")
    visit.page.screenshot(path=str(ARTIFACTS / "catalog-index.png"), full_page=True)
    _clean(visit)


def test_service_page_shows_dependencies_dependents_and_svg(visit: Visit, example_site: Path) -> None:
    _open(visit, example_site / "services" / "payments-api.html")
    depends = visit.page.locator("#depends-on li").all_inner_texts()
    dependents = visit.page.locator("#dependents li").all_inner_texts()
    assert "ci:pg-payments" in depends and "service:checkout" in dependents
    svg = visit.page.locator("svg.deps")
    box = svg.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 50
    assert svg.locator("g.node").count() >= 3 and svg.locator("path.edge").count() >= 2
    visit.page.screenshot(path=str(ARTIFACTS / "catalog-service.png"), full_page=True)
    _clean(visit)


def test_calendar_link_reaches_the_change_page(visit: Visit, example_site: Path) -> None:
    _open(visit, example_site / "calendar.html")
    link = visit.page.locator("a.change-link").first
    name = link.inner_text()
    link.click()
    visit.page.wait_for_load_state("load")
    assert visit.page.url.endswith(f"changes/{name}.html")
    assert visit.page.locator("table.factors tr").count() > 5
    _clean(visit)


def test_hostile_description_is_shown_and_never_run(visit: Visit, example_site: Path) -> None:
    _open(visit, example_site / "services" / "checkout.html")
    assert "<script>alert(1)</script>" in visit.page.locator("p.description").inner_text()
    visit.page.wait_for_timeout(200)
    _clean(visit)
    _open(visit, example_site / "index.html")
    visit.page.fill("#search", "script")
    visit.page.wait_for_timeout(100)
    _clean(visit)


def test_every_page_kind_renders_without_errors(visit: Visit, example_site: Path) -> None:
    for page in ("teams.html", "teams/payments.html", "cis/pg-payments.html", "changes/chg-20261208-0f88.html"):
        _open(visit, example_site / page)
        assert visit.page.locator("h1").count() == 1
    _clean(visit)

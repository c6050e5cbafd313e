"""The catalog site without a browser: files, escaping, atomic builds, exports."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest
import yaml
from icalendar import Calendar

from itsmctl.publish import pages
from itsmctl.publish.build import MARKER
from tests.conftest import REPO_ROOT
from tests.publish.conftest import build_example


def test_every_record_has_its_page(example_site: Path) -> None:
    for folder, _source in (("services", "catalog/services"), ("cis", "catalog/cis")):
        names = {p.stem for p in (example_site / folder).glob("*.html")}
        assert len(names) > 10, folder
    changes = {p.stem for p in (example_site / "changes").glob("*.html")}
    assert "chg-20261213-7fb3" in changes
    for name in (
        "index.html",
        "teams.html",
        "calendar.html",
        "catalog.json",
        "schedule.ics",
        MARKER,
        "static/style.css",
        "static/search.js",
    ):
        assert (example_site / name).is_file(), name
    assert (example_site / "schemas" / "record.schema.json").is_file()


def test_no_page_loads_anything_from_another_host(example_site: Path) -> None:
    for page in example_site.rglob("*.html"):
        text = page.read_text()
        for attribute in re.findall(r'(?:src|href)="([^"]*)"', text):
            assert not re.match(r"^(https?:)?//", attribute), f"{page.name}: {attribute}"


def test_hostile_description_is_text_not_markup(example_site: Path) -> None:
    page = (example_site / "services" / "checkout.html").read_text()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    index = (example_site / "index.html").read_text()
    assert "<script>alert" not in index


def test_catalog_json_shape(example_site: Path) -> None:
    document = json.loads((example_site / "catalog.json").read_text())
    assert document["version"] == 1 and set(document) >= {"records", "graph", "risk", "generator"}
    kinds = {r["kind"] for r in document["records"]}
    assert {"Service", "ConfigurationItem", "Change", "Team", "Incident"} <= kinds
    checkout = next(r for r in document["records"] if r["kind"] == "Service" and r["name"] == "checkout")
    assert checkout["record"]["spec"]["owner"] == "team:payments"
    assert {"from": "service:checkout", "to": "service:payments-api", "relation": "dependsOn"} in document["graph"][
        "edges"
    ]
    assert document["risk"]["chg-20261220-bf7f"]["level"] == "critical"


def test_schedule_ics_parses(example_site: Path) -> None:
    calendar = Calendar.from_ical((example_site / "schedule.ics").read_text())
    uids = {str(e["UID"]) for e in calendar.walk("VEVENT")}
    assert "freeze-year-end-2026@itsmctl" in uids


def test_calendar_links_reach_change_pages(example_site: Path) -> None:
    calendar = (example_site / "calendar.html").read_text()
    links = re.findall(r'href="(changes/[^"]+\.html)"', calendar)
    assert links and all((example_site / link).is_file() for link in links)
    assert "frozen" in calendar and "overlap" in calendar


def test_failed_build_keeps_the_previous_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = build_example(tmp_path)
    before = (site / "index.html").read_text()

    def explode(*args: object) -> None:
        raise RuntimeError("template blew up")

    monkeypatch.setattr(pages, "team_page", explode)
    (tmp_path / "repo").rename(tmp_path / "old-repo")
    with pytest.raises(RuntimeError):
        build_example(tmp_path)
    assert (site / "index.html").read_text() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []


def test_refuses_to_replace_a_folder_it_did_not_build(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    precious = tmp_path / "docs"
    precious.mkdir()
    (precious / "thesis.md").write_text("years of work")
    result = run_cli("-C", str(REPO_ROOT), "catalog", "build", "--out", str(precious))
    assert result.exit_code == 2 and "not an itsmctl site" in result.stderr
    assert (precious / "thesis.md").read_text() == "years of work"
    file_target = tmp_path / "file"
    file_target.write_text("x")
    assert run_cli("-C", str(REPO_ROOT), "catalog", "build", "--out", str(file_target)).exit_code == 2


def test_rebuilding_replaces_the_site(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    assert run_cli("-C", str(REPO_ROOT), "catalog", "build", "--out", str(out), "--quiet").exit_code == 0
    (out / "stale.html").write_text("old")
    assert run_cli("-C", str(REPO_ROOT), "catalog", "build", "--out", str(out), "--jobs", "2").exit_code == 0
    assert not (out / "stale.html").exists() and (out / "index.html").is_file()


def test_the_site_folder_is_readable_by_a_web_server_and_keeps_its_mode(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    # The build folder was made by mkdtemp (0700): a served site became unreadable to the web server.
    out = tmp_path / "site"
    assert run_cli("-C", str(REPO_ROOT), "catalog", "build", "--out", str(out), "--quiet").exit_code == 0
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask
    out.chmod(0o750)
    assert run_cli("-C", str(REPO_ROOT), "catalog", "build", "--out", str(out), "--quiet").exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o750


def test_an_out_that_is_a_symlink_stays_a_link_to_the_rebuilt_site(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    real = tmp_path / "releases" / "site"
    real.parent.mkdir()
    assert run_cli("-C", str(REPO_ROOT), "catalog", "build", "--out", str(real), "--quiet").exit_code == 0
    (real / "stale.html").write_text("old")
    link = tmp_path / "current"
    link.symlink_to(real)
    assert run_cli("-C", str(REPO_ROOT), "catalog", "build", "--out", str(link), "--quiet").exit_code == 0
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert (real / "index.html").is_file() and not (real / "stale.html").exists()
    assert sorted(p.name for p in real.parent.iterdir()) == ["site"]  # nothing left next to it


def test_backstage_export(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("-C", str(REPO_ROOT), "export", "backstage", "--out", str(tmp_path / "bs"))
    assert result.exit_code == 0
    entities = list(yaml.safe_load_all((tmp_path / "bs" / "catalog-info.yaml").read_text()))
    kinds = {e["kind"] for e in entities}
    assert kinds == {"Group", "User", "System", "Component", "Resource"}
    checkout = next(e for e in entities if e["kind"] == "Component" and e["metadata"]["name"] == "checkout")
    assert (
        checkout["spec"]["owner"] == "group:default/payments"
        and "component:default/payments-api" in checkout["spec"]["dependsOn"]
    )
    for entity in entities:
        assert entity["apiVersion"] == "backstage.io/v1alpha1" and re.match(
            r"^[A-Za-z0-9_.-]+$", entity["metadata"]["name"]
        )

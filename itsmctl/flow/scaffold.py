"""``new change``: a change file from a template, with an id no parallel pull request takes.

Ids are ``chg-YYYYMMDD-xxxx``: the date of the window (or today) and four
random hex digits. Two people opening changes in parallel pick different ids
with probability 65535/65536 per pair; ``plan`` catches the rest.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined

from itsmctl.errors import ItsmError
from itsmctl.load.locate import Locator
from itsmctl.load.records import check_record, load_source
from itsmctl.model.catalog import Catalog
from itsmctl.model.lookup import why_unusable
from itsmctl.model.refs import NAME_PATTERN

LOGIN_FROM_ENV = "GITHUB_ACTOR"


@dataclass(frozen=True)
class NewChange:
    title: str
    targets: tuple[str, ...]
    change_type: str
    requester: str
    start: datetime | None
    duration: timedelta | None
    template: str | None = None


# Characters that are text to YAML but hide, reorder or break what people see in an editor or a
# diff (controls, bidi overrides, invisible formatting, separators): written as escapes instead.
_SHOWN_ESCAPED = frozenset({"Cc", "Cf", "Co", "Cn", "Zl", "Zp"})


def yaml_string(value: object) -> str:
    """``value`` as one double-quoted YAML scalar on one line, as a YAML emitter writes it.

    JSON strings are not YAML (JSON writes DEL and the C1 controls raw, YAML forbids
    them), so the scalar comes from PyYAML's emitter: it escapes what YAML cannot hold
    raw. Text with any character people cannot see is written with every non-ASCII
    character escaped, so the file shows what it holds.
    """
    text = str(value)
    visible = not any(unicodedata.category(char) in _SHOWN_ESCAPED for char in text)
    dumped = yaml.safe_dump(text, default_style='"', width=float("inf"), allow_unicode=visible)
    return dumped.removesuffix("\n")


def _environment() -> Environment:
    # Output is YAML, not HTML: every templated value goes through yaml_string.
    environment = Environment(
        loader=PackageLoader("itsmctl", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - YAML output; every templated value is quoted by yaml_string
    )
    environment.filters["yaml_string"] = yaml_string
    return environment


def default_requester() -> str | None:
    """GitHub login from $GITHUB_ACTOR, else `git config github.user`."""
    login = os.environ.get(LOGIN_FROM_ENV)
    if login:
        return login
    try:
        done = subprocess.run(["git", "config", "github.user"], capture_output=True, text=True, check=False, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def new_change_id(day: datetime, taken: set[str]) -> str:
    for _ in range(100):
        name = f"chg-{day:%Y%m%d}-{secrets.token_hex(2)}"
        if name not in taken:
            return name
    raise ItsmError("could not find a free change id; is the changes/ folder full for that day?")


def render_change(change: NewChange, name: str) -> str:
    end = change.start + change.duration if change.start and change.duration else None
    return (
        _environment()
        .get_template("change.yaml.j2")
        .render(
            name=name,
            title=change.title,
            type=change.change_type,
            requester=change.requester,
            targets=change.targets,
            start=change.start.isoformat() if change.start else None,
            end=end.isoformat() if end else None,
            template=change.template,
        )
    )


def _reads_back(path: str, text: str, change: NewChange) -> None:
    """Refuse to write a record that does not load as exactly what was asked for.

    The template quotes every value, so this only fails on values no record can
    hold (a title over the schema's length, a requester that is no login or
    address): better a usage error now than a file that fails ``validate``.
    """
    records, findings = load_source(path, text.encode("utf-8"))
    if not findings and len(records) == 1:
        findings = check_record(records[0], Locator())
    if findings:
        problems = "; ".join(f"{finding.message}" for finding in findings)
        raise ItsmError(f"not writing {path}: the change would not be valid: {problems}")
    spec = records[0].body.get("spec")
    written = (spec.get("title"), spec.get("requester")) if isinstance(spec, dict) else None
    if written != (change.title, change.requester):
        raise ItsmError(f"not writing {path}: the title or requester would not read back as given")


def write_new_change(root: Path, catalog: Catalog, change: NewChange) -> Path:
    for value, option in ((change.title, "--title"), (change.requester, "--requester")):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ItsmError(f"{option} is not valid text (bytes that are not UTF-8)") from None
    for target in change.targets:
        if not target.startswith(("service:", "ci:")):
            raise ItsmError(f"--target {target!r}: write service:NAME or ci:NAME")
        if catalog.typed(target) is None:
            raise ItsmError(f"--target: {why_unusable(catalog, target)}")
    if change.template is not None:
        if not change.template.startswith("standard:"):
            raise ItsmError(f"--template {change.template!r}: write standard:NAME")
        if catalog.typed(change.template) is None:
            raise ItsmError(f"--template: {why_unusable(catalog, change.template)}")
    day = change.start or datetime.now(UTC)
    taken = set(catalog.changes)
    name = new_change_id(day, taken)
    assert NAME_PATTERN.match(name)
    path = root / "changes" / f"{day:%Y}" / f"{name}.yaml"
    text = render_change(change, name)
    _reads_back(str(path.relative_to(root)), text, change)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # 'x': never overwrite a file that appeared in the meantime.
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise ItsmError(f"{path} already exists; not overwriting it") from None
    return path

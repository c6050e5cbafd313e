"""``new change``: a change file from a template, with an id no parallel pull request takes.

Ids are ``chg-YYYYMMDD-xxxx``: the date of the window (or today) and four
random hex digits. Two people opening changes in parallel pick different ids
with probability 65535/65536 per pair; ``plan`` catches the rest.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from itsmctl.errors import ItsmError
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


def _environment() -> Environment:
    # Output is YAML, not HTML: values go through yaml_string (JSON strings are YAML).
    environment = Environment(
        loader=PackageLoader("itsmctl", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - YAML output; every free-text value is quoted by yaml_string
    )
    environment.filters["yaml_string"] = lambda value: json.dumps(str(value), ensure_ascii=False)
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


def write_new_change(root: Path, catalog: Catalog, change: NewChange) -> Path:
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
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # 'x': never overwrite a file that appeared in the meantime.
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise ItsmError(f"{path} already exists; not overwriting it") from None
    return path

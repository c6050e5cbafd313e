"""Loading generated repositories through the real loader, and running the real CLI on them."""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path

from itsmctl.cli import main
from itsmctl.findings import Severity
from itsmctl.load.records import LoadResult, load_sources
from tests.property.strategies import RepoSpec


def load_spec(repo: RepoSpec) -> LoadResult:
    """The repository's files through the loader (in memory), which must accept every record."""
    loaded = load_sources(repo.sources(), use_cache=False)
    errors = [f for f in loaded.findings if f.severity == Severity.ERROR]
    assert not errors, [f"{f.rule} {f.location.path}:{f.location.line} {f.message}" for f in errors]
    return loaded


@contextlib.contextmanager
def written(repo: RepoSpec) -> Iterator[Path]:
    """The repository as real files in a temporary folder (tmp_path is per test, not per example)."""
    with tempfile.TemporaryDirectory(prefix="itsm-property-") as folder:
        yield repo.write(Path(folder) / "repo")


def run_cli(*args: str) -> tuple[int, str, str]:
    """The CLI in-process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()

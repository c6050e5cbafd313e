"""Loading the repository for commands other than validate."""

from __future__ import annotations

from pathlib import Path

import click

from itsmctl.errors import ItsmError
from itsmctl.findings import Severity
from itsmctl.load.omitted import Omission, omitted_records
from itsmctl.load.records import LoadResult
from itsmctl.load.repository import load_tree
from itsmctl.model.kinds import Change
from itsmctl.model.refs import NAME_PATTERN
from itsmctl.report.escape import terminal
from itsmctl.risk.planning import Planning


def repository_root() -> Path:
    ctx = click.get_current_context()
    root = ctx.find_root().obj
    return root if isinstance(root, Path) else Path(".")


def load_for_command(root: Path | None = None, keep_bodies: bool = False) -> LoadResult:
    """Load the repository for a command that makes no report (``new``); see ``load_for_report``."""
    result, omitted = load_for_report(root, keep_bodies)
    if omitted:
        click.echo(f"itsmctl: warning: {len(omitted)} invalid record(s) ignored (run 'itsmctl validate')", err=True)
    return result


def load_for_report(root: Path | None = None, keep_bodies: bool = False) -> tuple[LoadResult, list[Omission]]:
    """Load the repository, and list the records its catalog leaves out (see ``load.omitted``).

    A report made from it must say what was left out and end with ``report_exit``.
    Records that loaded but break a rule are kept: a warning points to ``validate``.
    """
    result = load_tree(root or repository_root(), keep_bodies=keep_bodies)
    omitted = omitted_records(result)
    errors = sum(1 for finding in result.findings if finding.severity == Severity.ERROR)
    if errors and not omitted:  # otherwise report_exit lists what was left out
        click.echo(
            f"itsmctl: warning: the repository has {errors} validation error(s) (run 'itsmctl validate')", err=True
        )
    return result, omitted


def report_exit(omitted: list[Omission], allow_invalid: bool, code: int = 0) -> int:
    """The exit code of a report: ``code``, or 1 when it left records out and --allow-invalid was not given.

    A report that silently omits an invalid record (an outage, a freeze, a change)
    is a false pass; the list goes to stderr too, so a pipeline log shows it.
    """
    if not omitted:
        return code
    listing = "".join(f"\n  {terminal(entry.describe())}" for entry in omitted)
    if allow_invalid:
        click.echo(f"itsmctl: warning: {len(omitted)} invalid record(s) left out (--allow-invalid):{listing}", err=True)
        return code
    click.echo(
        f"itsmctl: error: {len(omitted)} invalid record(s) left out of this report; fix them "
        f"('itsmctl validate') or pass --allow-invalid to accept a report without them:{listing}",
        err=True,
    )
    return max(code, 1)


def invalid_record_error(result: LoadResult, ref: str) -> ItsmError | None:
    """The error for a reference to a record that exists but is invalid (so left out), else None."""
    record = result.catalog.by_ref.get(ref)
    if record is None or result.catalog.typed(ref) is not None:
        return None
    where = terminal(f"{record.path}:{record.line}")
    return ItsmError(f"{ref} ({where}) is invalid and was left out; run 'itsmctl validate'")


def find_change(result: LoadResult, name: str) -> Change:
    name = name.removeprefix("change:")
    change = result.catalog.changes.get(name)
    if change is None and (invalid := invalid_record_error(result, f"change:{name}")):
        raise invalid
    if change is None:
        import difflib

        close = difflib.get_close_matches(name, list(result.catalog.changes), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        shown = name if NAME_PATTERN.match(name) else repr(name)
        raise ItsmError(f"no change {shown}{hint}")
    return change


def check_ref(result: LoadResult, ref: str) -> str:
    """A service or CI reference that exists, or a clear error."""
    if ":" not in ref:
        candidates = [f"{prefix}:{ref}" for prefix in ("service", "ci") if f"{prefix}:{ref}" in result.catalog.by_ref]
        if len(candidates) == 1:
            return candidates[0]
        raise ItsmError(f"write the reference as service:NAME or ci:NAME, not {ref!r}")
    if ref.partition(":")[0] not in ("service", "ci"):
        raise ItsmError(f"{ref!r}: only services and CIs have dependencies")
    if invalid := invalid_record_error(result, ref):
        raise invalid
    if result.catalog.typed(ref) is None:
        import difflib

        close = difflib.get_close_matches(
            ref, [r for r in result.catalog.by_ref if r.startswith(("service:", "ci:"))], n=1
        )
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ItsmError(f"no record {ref!r}{hint}")
    return ref


def planning_for(result: LoadResult, use_git_history: bool = True) -> Planning:
    """The planning context, with outcomes from git history (removed change files) in the history factor."""
    from itsmctl.audit.outcomes import add_git_history
    from itsmctl.risk.history import history_from_changes

    history = history_from_changes(result.catalog.changes.values(), result.catalog.incidents.values())
    if use_git_history:
        add_git_history(history, repository_root())
    return Planning(result.catalog, history=history)

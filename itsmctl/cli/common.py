"""Loading the repository for commands other than validate."""

from __future__ import annotations

from pathlib import Path

import click

from itsmctl.errors import ItsmError
from itsmctl.findings import Severity
from itsmctl.load.omitted import CountedReferences, Omission, omitted_records, unresolved_references
from itsmctl.load.records import LoadResult
from itsmctl.load.repository import load_tree
from itsmctl.model.kinds import Change
from itsmctl.model.lookup import closest_valid, invalid_location, kind_words, why_unusable
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


def load_for_report(
    root: Path | None = None, keep_bodies: bool = False, counts: CountedReferences | None = None
) -> tuple[LoadResult, list[Omission]]:
    """Load the repository, and list the records its catalog leaves out (see ``load.omitted``).

    ``counts``: the references the report counts by (per service, per team, ...); a record
    whose counted reference names nothing is listed too, as not counted there.
    A report made from it must say what was left out and end with ``report_exit``.
    Records that loaded but break a rule are kept: a warning points to ``validate``.
    """
    result = load_tree(root or repository_root(), keep_bodies=keep_bodies)
    omitted = omitted_records(result)
    if counts:
        omitted = sorted([*omitted, *unresolved_references(result, counts)])
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
    if invalid_location(result.catalog, ref) is None:
        return None
    return ItsmError(why_unusable(result.catalog, ref))


def find_change(result: LoadResult, name: str) -> Change:
    name = name.removeprefix("change:")
    change = result.catalog.changes.get(name)
    if change is None and (invalid := invalid_record_error(result, f"change:{name}")):
        raise invalid
    if change is None:
        close = closest_valid(result.catalog, f"change:{name}")
        hint = f"; did you mean {close.removeprefix('change:')!r}?" if close else ""
        shown = name if NAME_PATTERN.match(name) else repr(name)
        raise ItsmError(f"no change {shown}{hint}")
    return change


def named_ref(result: LoadResult, text: str, prefixes: tuple[str, ...]) -> str:
    """``text`` (``kind:NAME``, or a bare NAME that one kind of ``prefixes`` has) as the reference of a valid
    record, or an ItsmError: invalid (with its file and line), or missing (with a close valid name)."""
    catalog = result.catalog
    kinds = " or ".join(f"{prefix}:NAME" for prefix in prefixes)
    if ":" in text:
        ref = text
        if ref.partition(":")[0] not in prefixes:
            raise ItsmError(f"{text!r}: write {kinds}")
    else:
        # Invalid records count too: 'db' names the invalid ci:db, which is then said to be invalid.
        found = [f"{prefix}:{text}" for prefix in prefixes if f"{prefix}:{text}" in catalog.by_ref]
        if len(found) > 1:
            raise ItsmError(f"{text!r} is {' and '.join(found)}: write which")
        if not found:
            close = closest_valid(catalog, text, prefixes)
            raise ItsmError(f"no {kind_words(prefixes)} {text!r}" + (f"; did you mean {close!r}?" if close else ""))
        ref = found[0]
    if catalog.typed(ref) is None:
        raise ItsmError(why_unusable(catalog, ref, prefixes))
    return ref


def check_ref(result: LoadResult, ref: str) -> str:
    """A service or CI reference that exists, or a clear error."""
    if ":" in ref and ref.partition(":")[0] not in ("service", "ci"):
        raise ItsmError(f"{ref!r}: only services and CIs have dependencies")
    return named_ref(result, ref, ("service", "ci"))


def planning_for(result: LoadResult, use_git_history: bool = True) -> Planning:
    """The planning context, with outcomes from git history (removed change files) in the history factor."""
    from itsmctl.audit.outcomes import add_git_history
    from itsmctl.risk.history import history_from_changes

    history = history_from_changes(result.catalog.changes.values(), result.catalog.incidents.values())
    if use_git_history:
        add_git_history(history, repository_root())
    return Planning(result.catalog, history=history)

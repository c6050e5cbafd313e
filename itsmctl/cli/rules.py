"""``itsmctl rules``: the rule catalogue, from the rules' own docs."""

from __future__ import annotations

import click

from itsmctl.errors import ItsmError
from itsmctl.rules import REGISTRY, rule_info


@click.command()
@click.argument("rule_id", required=False)
def rules(rule_id: str | None) -> int:
    """List every rule, or show one rule's documentation and examples."""
    if rule_id is None:
        width = max(len(rule) for rule in REGISTRY)
        for info in REGISTRY.values():
            click.echo(f"{info.id:<{width}}  {info.severity!s:<7}  {info.summary}")
        return 0
    info = rule_info(rule_id)
    if info is None:
        import difflib

        close = difflib.get_close_matches(rule_id, list(REGISTRY), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "; run 'itsmctl rules' for the list"
        raise ItsmError(f"no rule {rule_id!r}{hint}")
    click.echo(click.style(f"{info.id}", bold=True) + f" ({info.severity})\n")
    click.echo(info.description + "\n")
    for which in ("Failing", "Passing"):
        example = info.example(which)
        if example:
            click.echo(click.style(f"{which} example:", bold=True))
            click.echo("".join(f"    {line}\n" for line in example.splitlines()))
    return 0

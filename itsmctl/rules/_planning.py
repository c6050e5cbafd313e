"""The planning context (graph, blast radii, conflicts), shared by schedule rules."""

from __future__ import annotations

from itsmctl.risk.planning import Planning
from itsmctl.rules.base import CheckContext


def planning_of(ctx: CheckContext) -> Planning:
    return ctx.cached("planning", lambda: Planning(ctx.catalog))

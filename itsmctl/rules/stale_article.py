"""A knowledge article is past its review date.

Knowledge rots: every article under ``catalog/knowledge/`` names an owner and
a ``reviewDate``. Past that date the article is reported until its owner
reviews it and moves the date on.

Failing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: ops
    spec:
      members: [alice]
    ---
    apiVersion: itsm/v1
    kind: KnowledgeArticle
    metadata:
      name: restart-shop
      title: Restarting the shop
    spec:
      owner: team:ops
      reviewDate: "2020-01-01"   # <-

Passing example::

    apiVersion: itsm/v1
    kind: Team
    metadata:
      name: ops
    spec:
      members: [alice]
    ---
    apiVersion: itsm/v1
    kind: KnowledgeArticle
    metadata:
      name: restart-shop
      title: Restarting the shop
    spec:
      owner: team:ops
      reviewDate: "2999-01-01"
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from itsmctl.findings import Finding, Severity
from itsmctl.rules.base import CheckContext

ID = "stale-article"
SEVERITY = Severity.WARNING


def check(ctx: CheckContext) -> Iterator[Finding]:
    today = date.today()
    for article in ctx.catalog.knowledge.values():
        if article.review_date < today:
            yield ctx.finding(
                ID,
                SEVERITY,
                article.record,
                ("spec", "reviewDate"),
                f"{article.record.title!r} was due for review on {article.review_date.isoformat()}",
                f"{article.owner}: review it and move reviewDate on",
            )

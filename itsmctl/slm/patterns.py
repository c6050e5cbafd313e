"""Incidents that look alike and have no problem record yet: candidates for root-cause work.

Incidents are grouped by the service or CI they affect, then clustered by how
many words their titles and summaries share (Jaccard similarity of their word
sets, ignoring common words). A cluster of two or more is a suggestion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from itsmctl.model.catalog import Catalog
from itsmctl.model.kinds import Incident

_WORD = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_COMMON = frozenset(
    "a an and are as at be by for from in into is it its of on or the to was were with after during when while "
    "not no than then this that these those has have had".split()
)
SIMILARITY = 0.3
# The references incidents are grouped and linked by (see load.omitted): an incident naming a problem
# that does not exist is "linked" and would never be suggested.
COUNTED_REFERENCES: dict[str, tuple[str, ...]] = {
    "Incident": ("services", "cis", "problem"),
    "Problem": ("incidents",),
}


@dataclass(frozen=True)
class Suggestion:
    on: str  # the service or CI they share
    incidents: tuple[str, ...]
    shared_words: tuple[str, ...]


def _words(incident: Incident) -> frozenset[str]:
    text = f"{incident.title} {incident.summary}".lower()
    return frozenset(word for word in _WORD.findall(text) if word not in _COMMON and len(word) > 2)


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    union = a | b
    return bool(union) and len(a & b) / len(union) >= SIMILARITY


def suggest_problems(catalog: Catalog, minimum: int = 2) -> list[Suggestion]:
    linked = {ref.removeprefix("incident:") for p in catalog.problems.values() for ref in p.incidents}
    loose = [i for i in catalog.incidents.values() if not i.problem and i.name not in linked]
    by_target: dict[str, list[Incident]] = {}
    for incident in loose:
        for ref in (*incident.services, *incident.cis):
            by_target.setdefault(ref, []).append(incident)
    suggestions: list[Suggestion] = []
    seen: set[frozenset[str]] = set()
    for ref in sorted(by_target):
        incidents = sorted(by_target[ref], key=lambda i: (i.opened, i.name))
        words = {i.name: _words(i) for i in incidents}
        clusters: list[list[Incident]] = []
        for incident in incidents:
            home = next((c for c in clusters if any(_similar(words[incident.name], words[o.name]) for o in c)), None)
            if home is None:
                clusters.append([incident])
            else:
                home.append(incident)
        for cluster in clusters:
            names = frozenset(i.name for i in cluster)
            if len(cluster) < minimum or names in seen:
                continue
            seen.add(names)
            shared = frozenset.intersection(*(words[i.name] for i in cluster))
            suggestions.append(Suggestion(ref, tuple(i.name for i in cluster), tuple(sorted(shared))))
    return suggestions

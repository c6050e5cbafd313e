"""Narrowing an audit to a period and a service."""

from __future__ import annotations

from datetime import datetime

from itsmctl.audit.model import AuditReport, ChangeTrail
from itsmctl.graph.cmdb import DependencyGraph
from itsmctl.graph.impact import Touch, blast_radius


def _in_period(moment: datetime, since: datetime | None, until: datetime | None) -> bool:
    return (since is None or moment >= since) and (until is None or moment < until)


def concerns_service(trail: ChangeTrail, service: str, graph: DependencyGraph) -> bool:
    """A change concerns a service when it targets it or something it depends on."""
    ref = f"service:{service}"
    if ref in trail.targets:
        return True
    radius = blast_radius(graph, [Touch(target) for target in trail.targets if target in graph])
    return ref in radius


def select(
    report: AuditReport,
    since: datetime | None,
    until: datetime | None,
    service: str | None,
    graph: DependencyGraph | None,
) -> AuditReport:
    trails = []
    for trail in report.trails:
        if (since or until) and not any(_in_period(t.date, since, until) for t in trail.transitions):
            continue
        if service and (graph is None or not concerns_service(trail, service, graph)):
            continue
        trails.append(trail)
    names = {trail.name for trail in trails}
    findings = []
    for finding in report.findings:
        change = finding.details.get("change")
        if service and change not in names:
            continue
        if (since or until) and change is not None and change not in names:
            continue
        findings.append(finding)
    if since or until or service:  # the notes of the commits that moved the changes selected
        commits = {t.commit for trail in trails for t in trail.transitions}
        evidence = [note for note in report.evidence if note.commit in commits]
    else:
        evidence = report.evidence
    return AuditReport(report.head, report.commits, trails, findings, report.notes, since, until, service, evidence)

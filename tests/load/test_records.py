"""From bytes to records: encodings, empty and odd documents, schema problems at the right line."""

from __future__ import annotations

import pytest

from itsmctl.load.records import decode, load_source, load_sources

TEAM = "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: ops}\nspec: {members: [alice]}\n"


def findings(text: str | bytes, path: str = "catalog/x.yaml") -> list[tuple[str, int]]:
    data = text.encode() if isinstance(text, str) else text
    result = load_sources([(path, data)])
    return sorted((f.rule, f.location.line) for f in result.findings)


def test_utf8_bom_is_accepted() -> None:
    assert findings(b"\xef\xbb\xbf" + TEAM.encode()) == []


@pytest.mark.parametrize(
    "data, line",
    [
        (b"\xff\xfea\x00:\x00", 1),
        (b"a: 1\nb: caf\xe9\n", 2),
        (b"a: 1\n\x00\x01binary", 2),
    ],
)
def test_non_utf8_is_an_encoding_finding(data: bytes, line: int) -> None:
    assert findings(data) == [("encoding", line)]


def test_invalid_byte_column() -> None:
    _, problems = decode("x.yaml", b"ab: \xe9\n")
    assert (problems[0].location.line, problems[0].location.column) == (1, 5)


def test_oversize_content_is_not_parsed() -> None:
    records, problems = load_source("x.yaml", b"a: 1\n" * 100, max_bytes=50)
    assert records == [] and problems[0].rule == "file-too-large"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", [("empty-document", 1)]),
        ("# only a comment\n", [("empty-document", 1)]),
        (TEAM + "---\n---\n" + TEAM.replace("ops", "dev"), [("empty-document", 6)]),
        ("- a\n- b\n", [("not-a-mapping", 1)]),
        ("just a string\n", [("not-a-mapping", 1)]),
    ],
)
def test_empty_and_non_mapping_documents(text: str, expected: list[tuple[str, int]]) -> None:
    assert findings(text) == expected


def test_unknown_kind_suggests_the_closest() -> None:
    result = load_sources([("x.yaml", TEAM.replace("kind: Team", "kind: Taem").encode())])
    (finding,) = result.findings
    assert (finding.rule, finding.location.line, finding.hint) == ("unknown-kind", 2, "did you mean 'Team'?")


SERVICE = """apiVersion: itsm/v1
kind: Service
metadata:
  name: shop
spec:
  owner: team:ops
  tier: 3
  lifecycle: production
"""


@pytest.mark.parametrize(
    "old, new, line, words",
    [
        ("  tier: 3\n", "  tier: 3\n  ownr: x\n", 8, ["unknown field 'ownr'", "did you mean 'owner'"]),
        ("lifecycle: production", "lifecycle: prodution", 8, ["is not one of", "did you mean 'production'"]),
        ("  tier: 3\n", "", 5, ["missing required field 'tier'"]),
        ("tier: 3", "tier: '3'", 7, ["expected integer"]),
        ("owner: team:ops", "owner: Team:ops", 6, ["not valid", "kind:name"]),
        ("apiVersion: itsm/v1", "apiVersion: itsm/v2", 1, ['must be "itsm/v1"']),
    ],
)
def test_schema_problems_point_at_the_key(old: str, new: str, line: int, words: list[str]) -> None:
    result = load_sources([("x.yaml", SERVICE.replace(old, new).encode())])
    (finding,) = [f for f in result.findings if f.rule == "schema"]
    assert finding.location.line == line
    text = f"{finding.message} {finding.hint}"
    assert all(word in text for word in words), text


@pytest.mark.parametrize(
    "fragment, message",
    [
        ("start: '2026-02-30T00:00:00+01:00'", "not a valid date-time"),
        ("start: '2026-02-01T00:00:00'", "not valid"),
    ],
)
def test_timestamps(fragment: str, message: str) -> None:
    freeze = f"apiVersion: itsm/v1\nkind: Freeze\nmetadata: {{name: f}}\nspec:\n  {fragment}\n  end: '2026-03-01T00:00:00+01:00'\n"
    result = load_sources([("x.yaml", freeze.encode())])
    (finding,) = result.findings
    assert finding.location.line == 5 and message in (finding.message + finding.hint)


def test_unknown_time_zone_and_impossible_redundancy_are_invalid_values() -> None:
    sla = "apiVersion: itsm/v1\nkind: SLA\nmetadata: {name: s}\nspec:\n  availability: 99\n  response: {}\n  resolution: {}\n  supportHours: {days: [mon], start: '08:00', end: '18:00', timezone: Mars/Olympus}\n"
    ci = "apiVersion: itsm/v1\nkind: ConfigurationItem\nmetadata: {name: c}\nspec:\n  type: host\n  owner: team:ops\n  environment: production\n  redundancy: {replicas: 2, minAvailable: 3}\n"
    result = load_sources([("a.yaml", sla.encode()), ("b.yaml", ci.encode())])
    assert sorted((f.rule, f.location.path, f.location.line) for f in result.findings) == [
        ("invalid-value", "a.yaml", 8),
        ("invalid-value", "b.yaml", 8),
    ]

"""From bytes to records: encodings, empty and odd documents, schema problems at the right line."""

from __future__ import annotations

import textwrap

import pytest

from itsmctl.findings import Severity
from itsmctl.load.records import DEFAULT_MAX_FILE_BYTES, decode, load_source, load_sources

TEAM = "apiVersion: itsm/v1\nkind: Team\nmetadata: {name: ops}\nspec: {members: [alice]}\n"

SERVICE = textwrap.dedent(
    """\
    apiVersion: itsm/v1
    kind: Service
    metadata:
      name: shop
    spec:
      owner: team:ops
      tier: 3
      lifecycle: production
    """
)


def line_of(text: str, needle: str) -> int:
    """1-based line of the only line containing ``needle``."""
    (number,) = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return number


def load(*files: tuple[str, str | bytes]):  # type: ignore[no-untyped-def]
    return load_sources([(path, text.encode() if isinstance(text, str) else text) for path, text in files])


def located(text: str | bytes, path: str = "catalog/x.yaml") -> list[tuple[str, int]]:
    return sorted((f.rule, f.location.line) for f in load((path, text)).findings)


# --- decoding -------------------------------------------------------------------------------


def test_utf8_bom_is_accepted_and_dropped() -> None:
    text, problems = decode("x.yaml", b"\xef\xbb\xbf" + TEAM.encode())
    assert problems == [] and text == TEAM


def test_utf8_bom_file_loads_with_correct_positions() -> None:
    data = b"\xef\xbb\xbf" + (TEAM + "kind: Team\n").encode()
    result = load(("x.yaml", data))
    assert [(f.rule, f.location.line, f.location.column) for f in result.findings] == [("duplicate-key", 5, 1)]
    assert [r.name for r in result.catalog.records] == ["ops"]


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe" + "a: 1\n".encode("utf-16-le"),
        b"\xfe\xff" + "a: 1\n".encode("utf-16-be"),
        b"\xff\xfe\x00\x00" + "a: 1\n".encode("utf-32-le"),
    ],
    ids=["utf-16-le", "utf-16-be", "utf-32-le"],
)
def test_utf16_and_utf32_with_bom_are_refused(data: bytes) -> None:
    text, (problem,) = decode("catalog/x.yaml", data)
    assert text is None
    assert (problem.rule, problem.severity, problem.location.line) == ("encoding", Severity.ERROR, 1)
    assert "UTF-16" in problem.message and "UTF-8" in problem.message


def test_utf16_without_bom_is_refused_as_nul_bytes() -> None:
    text, (problem,) = decode("x.yaml", "a: 1\n".encode("utf-16-le"))
    assert text is None and problem.rule == "encoding" and "NUL" in problem.message


def test_nul_byte_is_reported_at_its_line() -> None:
    assert located(b"a: 1\nb: 2\nc: \x00\x01binary\n") == [("encoding", 3)]


@pytest.mark.parametrize(
    "data, line, column, byte",
    [
        (b"ab: \xe9\n", 1, 5, "0xe9"),
        (b"a: 1\nb: caf\xe9\n", 2, 7, "0xe9"),
        (b"a: 1\r\nb: \xff\r\n", 2, 4, "0xff"),
        (b"a: 1\nb: \xe2\x82", 2, 4, "0xe2"),  # truncated multi-byte sequence at the end
        (b"\xc0\xaf: x\n", 1, 1, "0xc0"),  # overlong encoding
    ],
)
def test_invalid_utf8_is_located(data: bytes, line: int, column: int, byte: str) -> None:
    text, (problem,) = decode("x.yaml", data)
    assert text is None
    assert (problem.rule, problem.location.line, problem.location.column) == ("encoding", line, column)
    assert byte in problem.message and problem.hint


def test_an_undecodable_file_yields_no_records() -> None:
    records, findings = load_source("x.yaml", TEAM.encode() + b"\xff\n")
    assert records == [] and [f.rule for f in findings] == ["encoding"]


def test_invalid_utf8_after_a_bom_is_located() -> None:
    _, (problem,) = decode("x.yaml", b"\xef\xbb\xbfa: 1\nb: \xff\n")
    assert (problem.location.line, problem.location.column) == (2, 4)
    assert "0xff" in problem.message


def test_invalid_utf8_column_counts_characters() -> None:
    _, (problem,) = decode("x.yaml", "name: café ".encode() + b"\xff\n")
    assert problem.location.column == 12  # 'name: café ' is 11 characters (12 bytes)


# --- size -------------------------------------------------------------------------------------


def test_oversize_content_is_refused_unparsed() -> None:
    records, (problem,) = load_source("x.yaml", b"a: !!python/object:x {}\n" * 10, max_bytes=50)
    assert records == []
    assert (problem.rule, problem.location.path) == ("file-too-large", "x.yaml")
    assert "240" in problem.message and "50" in problem.message


def test_content_exactly_at_the_limit_is_read() -> None:
    data = TEAM.encode()
    records, findings = load_source("x.yaml", data, max_bytes=len(data))
    assert findings == [] and [r.name for r in records] == ["ops"]
    assert DEFAULT_MAX_FILE_BYTES == 4 * 1024 * 1024  # "files over 4 MiB are not read" (README)


# --- empty and non-mapping documents --------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n\n", "   \n", "# only a comment\n", "\ufeff"])
def test_a_file_without_documents_is_empty(text: str) -> None:
    records, (finding,) = load_source("x.yaml", text.encode())
    assert records == []
    assert (finding.rule, finding.location.line) == ("empty-document", 1)


def test_a_file_whose_only_document_was_refused_is_not_also_empty() -> None:
    records, findings = load_source("x.yaml", b"a: !!python/object:os.system {}\n")
    assert records == [] and [(f.rule, f.location.line) for f in findings] == [("unsafe-tag", 1)]


def test_an_empty_document_between_markers_is_reported_and_the_others_load() -> None:
    text = TEAM + "---\n---\n" + TEAM.replace("ops", "dev")
    result = load(("x.yaml", text))
    assert [(f.rule, f.location.line) for f in result.findings] == [("empty-document", 6)]
    assert "document 2" in result.findings[0].message
    assert sorted(r.name for r in result.catalog.records) == ["dev", "ops"]


def test_a_trailing_document_marker_is_reported_at_a_line_that_exists() -> None:
    text = TEAM + "---\n"
    (finding,) = load(("x.yaml", text)).findings
    assert finding.rule == "empty-document"
    assert finding.location.line == line_of(text, "---")


@pytest.mark.parametrize(
    "text, kind, line",
    [
        ("- a\n- b\n", "list", 1),
        ("just a string\n", "str", 1),
        ("# header\n\n42\n", "int", 3),
        (TEAM + "---\n- x\n", "list", 6),
    ],
)
def test_documents_that_are_not_mappings(text: str, kind: str, line: int) -> None:
    records, findings = load_source("x.yaml", text.encode())
    assert [(f.rule, f.location.line) for f in findings] == [("not-a-mapping", line)]
    assert kind in findings[0].message
    assert [r.name for r in records] == (["ops"] if text.startswith(TEAM) else [])


def test_records_know_their_document_and_line() -> None:
    text = TEAM + "---\n# the second team\n" + TEAM.replace("ops", "dev")
    records, findings = load_source("catalog/teams.yaml", text.encode())
    assert findings == []
    assert [(r.kind, r.name, r.doc_index, r.line, r.path) for r in records] == [
        ("Team", "ops", 0, 1, "catalog/teams.yaml"),
        ("Team", "dev", 1, 7, "catalog/teams.yaml"),
    ]


# --- kinds ------------------------------------------------------------------------------------


def test_unknown_kind_suggests_the_closest() -> None:
    (finding,) = load(("x.yaml", SERVICE.replace("kind: Service", "kind: Servce"))).findings
    assert (finding.rule, finding.location.line, finding.location.column) == ("unknown-kind", 2, 1)
    assert "'Servce'" in finding.message and finding.hint == "did you mean 'Service'?"


def test_unknown_kind_without_a_close_match_lists_the_kinds() -> None:
    (finding,) = load(("x.yaml", SERVICE.replace("kind: Service", "kind: Zebra"))).findings
    assert finding.rule == "unknown-kind" and "Team" in finding.hint and "Change" in finding.hint


def test_missing_kind_is_a_schema_finding() -> None:
    (finding,) = load(("x.yaml", SERVICE.replace("kind: Service\n", ""))).findings
    assert finding.rule == "schema" and "missing required field 'kind'" in finding.message


# --- schema problems --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old, new, needle, words",
    [
        ("  tier: 3\n", "  tier: 3\n  ownr: x\n", "ownr:", ["spec: unknown field 'ownr'", "did you mean 'owner'?"]),
        (
            "lifecycle: production",
            "lifecycle: prodution",
            "lifecycle:",
            ["is not one of", "did you mean 'production'?"],
        ),
        ("  tier: 3\n", "", "spec:", ["spec: missing required field 'tier'"]),
        ("tier: 3", "tier: three", "tier:", ["spec.tier: expected integer", '"three"']),
        ("tier: 3", "tier: '3'", "tier:", ["expected integer"]),
        ("tier: 3", "tier: 9", "tier:", ["maximum of 4"]),
        ("owner: team:ops", "owner: teams:ops", "owner:", ["spec.owner", "not valid", "write kind:name"]),
        ("name: shop", "name: Shop_1", "name:", ["metadata.name", "lowercase"]),
        ("apiVersion: itsm/v1", "apiVersion: itsm/v2", "apiVersion", ['must be "itsm/v1"']),
        ("  tier: 3\n", "  tier: 3\n  x-team-note: ok\n  colour: red\n", "colour", ["unknown field 'colour'"]),
    ],
    ids=["unknown-field", "enum", "required", "type", "quoted-int", "maximum", "ref", "name", "const", "extension"],
)
def test_schema_problems_point_at_the_key(old: str, new: str, needle: str, words: list[str]) -> None:
    text = SERVICE.replace(old, new)
    assert text != SERVICE
    (finding,) = load(("x.yaml", text)).findings
    assert finding.rule == "schema" and finding.severity == Severity.ERROR
    assert finding.location.line == line_of(text, needle)
    shown = f"{finding.message} {finding.hint}"
    assert all(word in shown for word in words), shown


def test_schema_problem_in_a_list_item_points_at_the_item() -> None:
    text = SERVICE + "  dependsOn: [service:a, Service:b]\n"
    (finding,) = load(("x.yaml", text)).findings
    assert "spec.dependsOn[1]" in finding.message
    assert (finding.location.line, finding.location.column) == (9, 26)


def test_unknown_field_in_a_nested_list_item() -> None:
    text = SERVICE + "  maintenanceWindows:\n    - rrule: 'FREQ=WEEKLY'\n      duration: 2h\n      tz: UTC\n"
    (finding,) = load(("x.yaml", text)).findings
    assert "spec.maintenanceWindows[0]: unknown field 'tz'" in finding.message
    assert (finding.location.line, finding.location.column) == (line_of(text, "tz:"), 7)


def test_every_schema_problem_of_a_record_is_reported_at_its_own_line() -> None:
    text = SERVICE.replace("tier: 3", "tier: high").replace("production", "prod") + "  colour: red\n"
    findings = load(("x.yaml", text)).findings
    assert sorted(f.location.line for f in findings) == [
        line_of(text, "tier:"),
        line_of(text, "lifecycle:"),
        line_of(text, "colour:"),
    ]


def test_schema_problem_in_a_later_document_has_its_absolute_line() -> None:
    text = TEAM + "---\n" + SERVICE.replace("production", "prodution")
    (finding,) = load(("x.yaml", text)).findings
    assert finding.location.line == line_of(text, "lifecycle:") == 13


def test_schema_problem_after_a_unicode_line_separator_is_on_the_line_editors_show() -> None:
    # The Locator, like the loader, counts only real line breaks ('\u2028' is one for libyaml).
    text = SERVICE.replace("name: shop", "name: shop\n  title: 'Shop\u2028Front'").replace("production", "prod")
    (finding,) = load(("x.yaml", text)).findings
    assert (finding.rule, finding.location.line, finding.location.column) == ("schema", 9, 3)


def test_records_around_a_very_deep_document_load_and_are_located() -> None:
    deep = "deep: " + "[" * 2000 + "]" * 2000 + "\n"
    text = TEAM + "---\n" + deep + "---\n" + SERVICE.replace("production", "prodution")
    result = load(("x.yaml", text))
    assert sorted((f.rule, f.location.line) for f in result.findings) == [("schema", 15), ("too-deep", 6)]
    assert sorted(r.name for r in result.catalog.records) == ["ops", "shop"]


def test_a_duplicated_key_is_located_at_the_value_that_was_kept() -> None:
    text = SERVICE.replace("tier: 3", "tier: 3\n  tier: nine")
    findings = sorted(load(("x.yaml", text)).findings, key=lambda f: f.rule)
    assert [(f.rule, f.location.line) for f in findings] == [("duplicate-key", 8), ("schema", 8)]


def _freeze(start: str, end: str = "2026-03-01T00:00:00+01:00") -> str:
    return textwrap.dedent(
        f"""\
        apiVersion: itsm/v1
        kind: Freeze
        metadata: {{name: quarter-end}}
        spec:
          reason: quarter end
          start: '{start}'
          end: '{end}'
        """
    )


def test_timestamp_without_offset_is_a_schema_problem_at_its_key() -> None:
    text = _freeze("2026-02-01T00:00:00")
    (finding,) = load(("x.yaml", text)).findings
    assert (finding.rule, finding.location.line, finding.location.column) == ("schema", 6, 3)
    assert "spec.start" in finding.message and "offset" in finding.hint


# --- values the schema cannot judge ----------------------------------------------------------


def test_impossible_date_is_an_invalid_value_at_its_key() -> None:
    text = _freeze("2026-02-30T00:00:00+01:00")
    (finding,) = load(("x.yaml", text)).findings
    assert (finding.rule, finding.location.line, finding.location.column) == ("invalid-value", 6, 3)
    assert "2026-02-30" in finding.message and "not a valid date-time" in finding.message


def test_impossible_date_in_a_change_window() -> None:
    from tests.conftest import change

    text = change("chg-1", "[service:shop]", "2026-02-01T10:00:00+01:00", "2026-02-30T12:00:00+01:00")
    (finding,) = load(("changes/chg-1.yaml", text)).findings
    assert finding.rule == "invalid-value" and "2026-02-30" in finding.message
    assert finding.location.line == line_of(text, "window:")
    assert finding.location.column == text.splitlines()[finding.location.line - 1].index("end:") + 1


SLA_WITH_HOURS = textwrap.dedent(
    """\
    apiVersion: itsm/v1
    kind: SLA
    metadata: {name: business}
    spec:
      availability: 99.5
      response: {P1: 1h}
      resolution: {P1: 8h}
      supportHours:
        days: [mon, tue]
        start: '08:00'
        end: '18:00'
        timezone: ZONE
    """
)


def test_unknown_time_zone_is_an_invalid_value_at_its_key() -> None:
    text = SLA_WITH_HOURS.replace("ZONE", "Mars/Olympus")
    (finding,) = load(("x.yaml", text)).findings
    assert (finding.rule, finding.location.line, finding.location.column) == ("invalid-value", 12, 5)
    assert "Mars/Olympus" in finding.message


def test_unknown_time_zone_in_a_maintenance_window() -> None:
    text = (
        SERVICE
        + "  maintenanceWindows:\n    - rrule: 'FREQ=WEEKLY'\n      duration: 2h\n      timezone: Mars/Olympus\n"
    )
    (finding,) = load(("x.yaml", text)).findings
    assert (finding.rule, finding.location.line) == ("invalid-value", line_of(text, "timezone:"))


def test_a_valid_time_zone_is_accepted() -> None:
    result = load(("x.yaml", SLA_WITH_HOURS.replace("ZONE", "Europe/Berlin")))
    assert result.findings == [] and "business" in result.catalog.slas


def test_time_zone_naming_a_region_folder_is_an_invalid_value() -> None:
    text = SLA_WITH_HOURS.replace("ZONE", "Europe")
    (finding,) = load(("x.yaml", text)).findings
    assert (finding.rule, finding.location.line) == ("invalid-value", 12)


CI = textwrap.dedent(
    """\
    apiVersion: itsm/v1
    kind: ConfigurationItem
    metadata: {name: pg-main}
    spec:
      type: database
      owner: team:ops
      environment: production
      redundancy:
        replicas: REPLICAS
        minAvailable: 3
    """
)


def test_min_available_above_replicas_is_an_invalid_value() -> None:
    text = CI.replace("REPLICAS", "2")
    result = load(("x.yaml", text))
    (finding,) = result.findings
    assert (finding.rule, finding.location.line, finding.location.column) == ("invalid-value", 10, 5)
    assert "minAvailable 3 exceeds replicas 2" in finding.message
    assert "pg-main" not in result.catalog.cis  # no typed view for an invalid record


def test_min_available_equal_to_replicas_is_fine() -> None:
    result = load(("x.yaml", CI.replace("REPLICAS", "3")))
    assert result.findings == [] and result.catalog.cis["pg-main"].redundancy.tolerable_loss == 0


# --- load_sources as a whole ------------------------------------------------------------------


def test_a_clean_set_of_records_builds_the_catalog() -> None:
    from tests.conftest import GOLD_SLA, service, team

    result = load(("catalog/teams.yaml", team()), ("catalog/slas.yaml", GOLD_SLA), ("catalog/s.yaml", service("shop")))
    assert result.findings == []
    assert result.files == ["catalog/teams.yaml", "catalog/slas.yaml", "catalog/s.yaml"]
    assert set(result.catalog.by_ref) == {"team:ops", "sla:gold", "service:shop"}
    assert result.catalog.services["shop"].owner == "team:ops"


def test_findings_carry_the_path_they_were_given() -> None:
    result = load(("catalog/a.yaml", "a: 1\na: 2\n"), ("changes/b.yaml", b"\xff"), ("policies/c.yaml", ""))
    assert sorted((f.location.path, f.rule) for f in result.findings) == [
        ("catalog/a.yaml", "duplicate-key"),
        ("catalog/a.yaml", "schema"),
        ("changes/b.yaml", "encoding"),
        ("policies/c.yaml", "empty-document"),
    ]


def test_knowledge_article_front_matter_lines_match_the_file() -> None:
    text = "---\nowner: team:ops\nreviewDate: 2026-02-30\n---\n# How to restart\n"
    (finding,) = load(("catalog/knowledge/restart.md", text)).findings
    assert (finding.rule, finding.location.line) == ("invalid-value", 3)

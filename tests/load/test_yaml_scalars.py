"""Plain scalars: YAML 1.2 core booleans, numbers only where every YAML reader agrees, all else as written."""

from __future__ import annotations

import pytest

from itsmctl.load.records import load_sources
from itsmctl.load.safe_yaml import load_documents
from itsmctl.load.yaml_scalars import plain_number, reading_note


def value_of(text: str) -> object:
    documents, problems = load_documents(f"a: {text}\n")
    assert problems == [], problems
    return documents[0].data["a"]  # type: ignore[index]


@pytest.mark.parametrize(
    "text",
    # YAML 1.1 booleans: text in YAML 1.2, and what people who write `country: NO` mean.
    ["NO", "no", "No", "yes", "Yes", "YES", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N"]
    # YAML 1.1 numbers that YAML 1.2 reads as text (or as another number): kept as written.
    + ["010", "01", "-010", "0_10", "09", "1_000", "12:30", "190:20:30", "1:30.5", "0b101", "-0b1", "0o17", "+0x1F"]
    + ["0x1_F", "1e3", "1.5e3", "-.5", "+.5", "1_000.5", "=", "2026-12-01", "2026-12-01T10:00:00+01:00"],
)
def test_scalars_that_yaml_versions_read_differently_are_text_as_written(text: str) -> None:
    assert value_of(text) == text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("true", True),
        ("True", True),
        ("FALSE", False),
        ("0", 0),
        ("-0", 0),
        ("42", 42),
        ("+42", 42),
        ("-3", -3),
        ("9223372036854775807", 2**63 - 1),
        ("0x1F", 31),
        ("99.95", 99.95),
        ("1.", 1.0),
        ("01.5", 1.5),
        (".5", 0.5),
        ("1.5e+3", 1500.0),
        ("null", None),
        ("~", None),
        ("", None),
    ],
)
def test_scalars_every_reader_agrees_on_keep_their_type(text: str, expected: object) -> None:
    value = value_of(text)
    assert value == expected and type(value) is type(expected)


def test_quoted_scalars_are_always_text() -> None:
    assert value_of("'true'") == "true" and value_of('"10"') == "10"


@pytest.mark.parametrize("text", ["!!int 010", "!!int 1_000", "!!int 12:30", "!!bool yes", "!!float 1e3"])
def test_an_explicit_tag_on_an_ambiguous_scalar_is_a_located_finding(text: str) -> None:
    documents, problems = load_documents(f"x: 1\na: {text}\n")
    assert documents == []
    assert [(p.rule, p.line, p.column) for p in problems] == [("invalid-value", 2, 4)]
    assert "every YAML reader" in problems[0].message and problems[0].hint


@pytest.mark.parametrize(
    "text, message",
    [
        ("1.0e+999", "too large"),
        ("9" * 5000, "too large"),
        ("9223372036854775808", "too large"),  # beyond CEL's 64-bit integers
        ("-9223372036854775809", "too large"),
        (".inf", "not a finite number"),
        ("-.Inf", "not a finite number"),
        (".nan", "not a finite number"),
        ("!!float .NaN", "not a finite number"),
    ],
)
def test_a_number_out_of_range_is_a_located_finding(text: str, message: str) -> None:
    # An SLA availability of .nan passed "maximum: 100"; JSON reports cannot even write it.
    documents, problems = load_documents(f"x: 1\na: {text}\n")
    assert [(p.rule, p.line) for p in problems] == [("invalid-value", 2)]
    assert message in problems[0].message


def test_reading_note_and_plain_number() -> None:
    assert "leading zero" in (reading_note("010") or "")
    assert "boolean" in (reading_note("NO") or "")
    assert reading_note("12:30") and reading_note("1_000") and reading_note("0b11") and reading_note("1e3")
    assert reading_note("NOR") is None and reading_note("payments") is None and reading_note("P1") is None
    assert reading_note("3") is None and reading_note("1.5") is None  # quoted numbers: no reader disagrees
    assert (plain_number("010"), plain_number("1_000"), plain_number("12:30")) == ("10", "1000", None)


SERVICE = """apiVersion: itsm/v1
kind: Team
metadata: {{name: ops}}
spec: {{members: [alice]}}
---
apiVersion: itsm/v1
kind: Service
metadata:
  name: shop
  labels: {{country: NO, on-call: yes}}
spec:
  owner: team:ops
  tier: {tier}
  lifecycle: production
  customerFacing: {facing}
"""


def test_labels_keep_their_text_and_numbers_that_readers_disagree_on_are_findings_at_their_line() -> None:
    loaded = load_sources([("catalog/s.yaml", SERVICE.format(tier="3", facing="false").encode())])
    assert [f.rule for f in loaded.findings] == []
    (service,) = [r for r in loaded.catalog.records if r.kind == "Service"]
    assert service.labels == {"country": "NO", "on-call": "yes"}

    loaded = load_sources([("catalog/s.yaml", SERVICE.format(tier="01", facing="yes").encode())])
    found = sorted((f.rule, f.location.line, f.message, f.hint) for f in loaded.findings)
    assert [(rule, line) for rule, line, _, _ in found] == [("schema", 13), ("schema", 15)]
    tier, facing = found
    assert 'got the text "01"' in tier[2] and "leading zero" in tier[2] and tier[3] == "write 1"
    assert 'got the text "yes"' in facing[2] and "YAML 1.1 reads yes as a boolean" in facing[2]

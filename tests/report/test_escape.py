"""The central escaper: what it shows, what it keeps, and that machine formats read back exactly."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET

import pytest
from icalendar import Calendar

from itsmctl.report.escape import (
    INVISIBLE_CLASS,
    ci_safe_ics,
    ci_safe_json,
    ci_safe_xml,
    log_lines,
    terminal,
    to_json,
    visible,
)
from tests.attacks.test_attack_workflow_commands import workflow_commands

HIDDEN = (
    "\u202e\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\ufeff\u00ad\U000e0041\u2028\u2029"
)
COMMANDS = "##[add-mask]x ::error::y\n::warning::z\n \u3000::notice::w ::stop-commands::t"


def test_the_class_holds_every_control_format_separator_and_surrogate_character() -> None:
    pattern = re.compile(f"[{INVISIBLE_CLASS}]")
    missing = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in {"Cc", "Cf", "Zl", "Zp", "Cs"} and not pattern.match(chr(code))
    ]
    assert missing == []
    # And nothing a reader needs to see as it is.
    assert not pattern.search("plain text, ünïcödé, 日本語, عربي, emoji 👩 and a space\u00a0here")


def test_a_file_name_with_a_right_to_left_override_cannot_look_like_another() -> None:
    spoofed = "invoice\u202efdp.exe"  # a terminal shows "invoiceexe.pdf"
    shown = terminal(spoofed)
    assert shown == "invoice\\u202efdp.exe" and shown != terminal("invoiceexe.pdf")
    for char in HIDDEN:
        assert char not in terminal(f"a{char}b") and char not in visible(f"a{char}b")


def test_escape_sequences_and_line_breaks_are_shown() -> None:
    assert terminal("\x1b[2Jred\x07\r\nnext\x85nel") == "\\x1b[2Jred\\x07\\nnext\\x85nel"
    assert visible("one\ntwo\x1b", keep_newlines=True) == "one\ntwo\\x1b"


@pytest.mark.parametrize(
    "text",
    ["👩\u200d💻 pair programming", "می\u200cخواهم", "क्\u200dष", "👩🏽\u200d🚀"],
    ids=["emoji", "persian", "devanagari", "emoji-with-modifier"],
)
def test_joiners_inside_writing_are_kept(text: str) -> None:
    assert visible(text) == text


@pytest.mark.parametrize("text", ["x\u200d.yaml", "\u200dstart", "end\u200c", "a\u200cb"])
def test_joiners_next_to_ascii_or_at_an_edge_are_shown(text: str) -> None:
    assert "\u200c" not in visible(text) and "\u200d" not in visible(text)


def test_text_is_never_a_workflow_command() -> None:
    for text in (COMMANDS, "::error::at start", "\t ::warning::after white space", "\u2003::notice::em space"):
        assert workflow_commands(terminal(text)) == []
        assert workflow_commands("  " + terminal(text)) == []
        assert workflow_commands(log_lines(text)) == []
    assert terminal("fe80::1 and a::b") == "fe80::1 and a::b"  # '::' inside a line is left alone


HOSTILE_VALUES = [COMMANDS, HIDDEN, "\x1b[31m\x00\x7f\x9b", "\udcff undecodable", "# ##[ ###[ ##\\[", "plain"]


def test_json_reads_back_exactly_and_commands_nothing() -> None:
    document = {"values": HOSTILE_VALUES, COMMANDS: {"nested": HIDDEN}}
    for indent in (2, None):
        text = to_json(document, indent=indent)
        assert json.loads(text) == document
        assert workflow_commands(text) == []
        assert not re.search(f"[{INVISIBLE_CLASS.replace(chr(92) + 'n', '', 1)}]", text)
        assert "##[" not in text
    # A JSON text made elsewhere (an evidence note) too.
    assert json.loads(ci_safe_json(json.dumps(document))) == document


def test_xml_reads_back_exactly_and_commands_nothing() -> None:
    root = ET.Element("r")
    root.text = "\n::error::at a line start\n##[add-mask]x\n  ::warning::indented"
    root.set("a", "##[x] ::y")
    text = ci_safe_xml(ET.tostring(root, encoding="unicode"))
    assert workflow_commands(text) == []
    parsed = ET.fromstring(text)
    assert parsed.text == root.text and parsed.get("a") == "##[x] ::y"


def test_ics_folding_never_starts_a_line_with_a_command_and_unfolds_to_the_same_text() -> None:
    for position in range(0, 160):
        value = "x" * position + "::error::folded" + " " * (position % 7) + "::warning::again"
        calendar = Calendar()
        calendar.add("prodid", "-//test//EN")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", value)
        text = ci_safe_ics(calendar.to_ical().decode("utf-8"))
        assert workflow_commands(text) == [], position
        assert all(len(line.encode()) <= 75 for line in text.split("\r\n")), position
        assert str(Calendar.from_ical(text)["x-wr-calname"]) == value


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("  @SUM(A1)", "'  @SUM(A1)"),
        ("\t-3", "' -3"),  # a tab is shown as a space, then guarded
        ("\r+3", "\\n+3"),  # a carriage return is shown as the escape \n: not a formula any more
        ("a=b", "a=b"),
        ("\u202e=x", "\\u202e=x"),
        (-12.5, "-12.5"),  # a number stays a number
        (3, "3"),
        (None, ""),
    ],
)
def test_csv_cell_is_one_guard_for_every_csv_table(value: object, cell: str) -> None:
    from itsmctl.report import audit, omitted
    from itsmctl.report.escape import csv_cell

    assert csv_cell(value) == cell
    # One helper: the tables do not keep their own (they drifted apart before).
    assert not hasattr(omitted, "_cell") and not hasattr(audit, "_cell")

"""Formatters: one module per output format, all rendering the same findings.

A formatter is ``render(report: Report) -> str``; formatters never compute
locations or decide exit codes.
"""

from __future__ import annotations

from collections.abc import Callable

from itsmctl.report import github, json_format, junit, sarif, text
from itsmctl.report.model import Report

Formatter = Callable[[Report], str]

FORMATTERS: dict[str, Formatter] = {
    "text": text.render,
    "json": json_format.render,
    "sarif": sarif.render,
    "github": github.render,
    "junit": junit.render,
}

__all__ = ["FORMATTERS", "Formatter", "Report"]

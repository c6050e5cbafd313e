"""The one user-facing error type. The CLI catches it once and exits 2."""

from __future__ import annotations


class ItsmError(Exception):
    """A usage or input error that stops a command (exit code 2).

    The message is shown to the user as is, so it must say what is wrong and,
    where it can, where (path and line) and what to do about it.
    """

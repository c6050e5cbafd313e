"""What a plain (unquoted) YAML scalar means: the YAML 1.2 core schema, where YAML 1.1 agrees.

PyYAML resolves plain scalars by YAML 1.1, where ``NO``, ``yes``, ``on`` and ``off``
are booleans, ``010`` is octal 8, ``12:30`` is 750 (base 60), ``1_000`` is 1000 and
``0b11`` is 3. People who write ``country: NO`` mean Norway, and YAML 1.2 (and most
tools written since) agree with them; a value that silently turns into another type
or another number is how a freeze scoped to label ``'NO'`` stopped covering a service.

So a plain scalar is read as YAML 1.2's core schema reads it (only ``true``/``false``
are booleans; ``null``, ``~`` and nothing are null), and as a number only when YAML 1.1
and YAML 1.2 read the *same* number from it: ``42``, ``-3``, ``0x1F``, ``99.95``,
``1.5e+3``. Every other scalar is text, exactly as written: ``010``, ``1_000``,
``12:30``, ``0b11``, ``0o17``, ``1e3``. Where the schema wants a number or a boolean,
the schema check reports such text at its line, and ``reading_note`` says why it was
not taken as one. Numbers no field can hold (``.inf``, ``.nan``, beyond 64 bits) are
refused where they are written.

Timestamps are text too (records carry ISO 8601 and we parse them where they are
used, with their offsets), as YAML 1.2 has no timestamp type; the merge key ``<<``
keeps its YAML 1.1 meaning, which PyYAML has always given it.
"""

from __future__ import annotations

import math
import re

TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, MERGE = (TAG + t for t in ("str", "int", "float", "bool", "null", "merge"))

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
# Both YAML 1.1 and YAML 1.2 read these as the same number (1.1 allows '_' and
# octal, 1.2 allows 'e3' without a sign or a dot: those forms are left out).
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+")
_FLOAT = re.compile(
    r"[-+]?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?|\.[0-9]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_NUMBER_START = frozenset("-+.0123456789")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

# What other readings exist, for messages (``reading_note``).
_BOOL_WORDS_11 = frozenset(
    word for base in ("yes", "no", "on", "off", "y", "n") for word in (base, base.capitalize(), base.upper())
)
_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+")
_NUMBER_LIKE = re.compile(
    r"[-+]?(?:0b[01_]+|0o[0-7]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?"
    r"|(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][-+]?[0-9]+)?)"
)


def resolve_plain(value: str) -> str:
    """The tag of a plain scalar (see the module documentation)."""
    if not value or value[0] not in _NUMBER_START:
        if value in _NULLS:
            return NULL
        if value in _TRUE or value in _FALSE:
            return BOOL
        if value == "<<":
            return MERGE
        return STR
    if _INT.fullmatch(value):
        return INT
    if _FLOAT.fullmatch(value):
        return FLOAT
    return STR


class ScalarError(ValueError):
    """A scalar that cannot be the number or boolean it is tagged as.

    ``rule`` is ``invalid-value`` when it is one to some YAML reader but not to all
    (``!!int 010``) or out of range, ``yaml-syntax`` when it is none at all (``!!int abc``).
    """

    def __init__(self, message: str, rule: str = "invalid-value") -> None:
        super().__init__(message)
        self.rule = rule


def int_value(text: str) -> int:
    """The integer of a scalar resolved or tagged ``!!int``."""
    if not _INT.fullmatch(text):
        raise _disagreement(text, "an integer")
    try:
        value = int(text, 16) if text.startswith("0x") else int(text)
    except ValueError:  # Python refuses to convert more than 4,300 digits
        raise ScalarError(f"{text[:20]}... is too large a number") from None
    # Policies see records through CEL, whose integers are 64-bit: a larger one would
    # silently turn into a float there.
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise ScalarError(f"{text if len(text) <= 24 else text[:20] + '...'} is too large a number")
    return value


def float_value(text: str) -> float:
    """The float of a scalar resolved or tagged ``!!float``; infinity, NaN and overflow are refused."""
    if not (_FLOAT.fullmatch(text) or _INT.fullmatch(text)):
        raise _disagreement(text, "a number")
    if text.lower().endswith((".inf", ".nan")):
        # No field of a record is infinite or not a number, and JSON (reports, the
        # catalog site) cannot even write them.
        raise ScalarError(f"{text} is not a finite number; no field of a record takes it")
    value = float(int(text, 16)) if text.startswith("0x") else float(text)
    if math.isinf(value):
        raise ScalarError(f"{text} is too large for a number")
    return value


def bool_value(text: str) -> bool:
    """The boolean of a scalar resolved or tagged ``!!bool``: only true and false are booleans."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _disagreement(text, "a boolean")


def _disagreement(text: str, wanted: str) -> ScalarError:
    note = reading_note(text)
    if note is None:
        return ScalarError(f"bad {wanted.split()[-1]}: {text!r} is not {wanted}", "yaml-syntax")
    return ScalarError(f"{text!r} is not {wanted} that every YAML reader agrees on ({note})")


def reading_note(text: str) -> str | None:
    """Why ``text`` is read as text although some YAML reader takes it for a number or a boolean.

    None when no YAML version reads it as anything but text, or when every one reads
    the same number from it (then it was quoted: ``"3"``).
    """
    if _INT.fullmatch(text) or _FLOAT.fullmatch(text):
        return None
    if text in _BOOL_WORDS_11:
        return f"YAML 1.1 reads {text} as a boolean, YAML 1.2 as text; itsmctl reads it as text"
    if _LEADING_ZERO.fullmatch(text):
        return (
            f"a number with a leading zero is octal in YAML 1.1 and decimal in YAML 1.2; itsmctl reads {text} as text"
        )
    if text and text[0] in _NUMBER_START and any(c.isdigit() for c in text) and _NUMBER_LIKE.fullmatch(text):
        return f"YAML versions read {text} as different numbers or as text; itsmctl reads it as text"
    return None


def plain_number(text: str) -> str | None:
    """The plain way to write the number ``text`` was probably meant as (``010`` -> ``10``), if clear."""
    if _LEADING_ZERO.fullmatch(text):
        return str(int(text, 10))
    if "_" in text and _INT.fullmatch(text.replace("_", "")):
        return text.replace("_", "")
    return None

"""What kind of task a part of a request is, read from its shape: the local model's
small share of the world knowledge a large model brings.

Two kinds are recognised, each named in the plain words a card would use for
it, so the ranking can match them against any card: arithmetic on numbers
("what is 7 times 8", "2^10") and the conversion of a quantity between units
("10 kg in lbs", "how many ounces in 2 pounds"). Units are pint's: a quantity
is a number followed by a unit pint knows, and a conversion names a second,
compatible unit.
"""

from __future__ import annotations

import functools
import re
from enum import StrEnum
from typing import TYPE_CHECKING

from orchestrator.ranking import tokens
from phrasing.numbers import with_digits

if TYPE_CHECKING:
    import pint

__all__ = [
    "ARITHMETIC_WORDS",
    "CONVERSION_WORDS",
    "ISO_DATE",
    "Kind",
    "conversion",
    "cue_words",
    "is_arithmetic",
    "is_conversion",
    "kinds",
]

ARITHMETIC_WORDS = "arithmetic calculate"
CONVERSION_WORDS = "units conversion measurement"

_NUMBER = r"\d[\d,]*(?:\.\d+)?"
# An ISO 8601 date, which would otherwise read as a subtraction ("2026-03-01").
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_ARITHMETIC = re.compile(
    # signs between numbers: 2+3, 2 ^ 10, 17% of 240, (1 + 2) * 3
    r"\d\s*(?:[-+*/^x\N{MULTIPLICATION SIGN}\N{DIVISION SIGN}]|%\s*of|\*\*)\s*\(?\s*[-+]?\d"
    # operators as words between numbers
    rf"|{_NUMBER}\s+(?:plus|minus|times|over|multiplied\s+by|divided\s+by|to\s+the\s+power\s+of"
    rf"|percent\s+of|mod)\s+{_NUMBER}"
    rf"|{_NUMBER}\s+(?:squared|cubed)\b"
    # an operation named by its verb or noun, with its numbers
    rf"|\b(?:multiply|divide|subtract|add)\s+{_NUMBER}\s+(?:by|from|and|to)\s+{_NUMBER}"
    rf"|\b(?:sum|product|difference|quotient|average|mean|total)\s+of\s+{_NUMBER}"
    rf"|\bdifference\s+between\s+{_NUMBER}\s+and\s+{_NUMBER}"
    rf"|\b(?:square|cube)\s+root\s+of\s+{_NUMBER}|\bsqrt\s*\("
    # a share or multiple of one number
    rf"|\b(?:half|third|3rd|quarter|double|twice|triple)\s+(?:of\s+)?{_NUMBER}",
    re.I,
)
# An equation or an unknown (x^2, "= 0") is algebra, not arithmetic.
_ALGEBRA = re.compile(r"=|\b[a-z]\s*(?:\^|\*\*)\s*\d", re.I)
# Words of a quantity: "5", "km", "°F", "km/h" (punctuation around them dropped).
_TOKEN = re.compile(r"[^\s,;:!?()\"']+")
_IS_NUMBER = re.compile(rf"^[-+]?{_NUMBER}%?$")
# In everyday text "25 C" and "77 F" are temperatures (to pint: coulombs and farads).
_EVERYDAY = {"C": "degC", "F": "degF", "°C": "degC", "°F": "degF"}
# What may name a unit: letters, with "/" between ("km/h"), a degree or micro sign.
_UNIT_WORD = re.compile(r"^[°µA-Za-z_]+(?:/[°µA-Za-z]+)?$")
# "kilometers per hour" is one unit: kilometers/hour.
_PER = re.compile(r"\b([A-Za-z]+)\s+per\s+([A-Za-z]+)\b")
# Unit names that are also common English words, or too short to mean a unit alone.
_NOT_UNITS = frozenset({"in", "a", "at", "are", "as", "me", "am", "pm", "point", "line", "us"})
# "how many grams in an ounce": one ounce.
_ONE = re.compile(r"\b(?:an?|one)\s+(?=[A-Za-z°])", re.I)
# Units of two words, as pint spells them ("light year" -> "light_year").
_TWO_WORDS = re.compile(r"\b(light|nautical|square|cubic|metric|short|long)\s+([a-z]+)\b", re.I)


def is_arithmetic(text: str) -> bool:
    """Whether `text` holds arithmetic on numbers (signs or words), not an equation."""
    return bool(_ARITHMETIC.search(text)) and not _ALGEBRA.search(text)


@functools.cache
def _units() -> pint.UnitRegistry[float]:
    # Imported and built on first use (~1-2 s): the orchestrator starts as fast as before.
    import pint

    return pint.UnitRegistry()


@functools.lru_cache(maxsize=4096)
def _unit(word: str) -> str | None:
    """The root unit `word` names ("lbs" -> "kilogram"), or None: not a unit, or dimensionless."""
    word = word.strip(".")
    if not _UNIT_WORD.match(word) or word.lower() in _NOT_UNITS:
        return None
    registry = _units()
    errors = _pint_errors()
    for spelling in dict.fromkeys((word, word.lower())):
        try:
            root = registry.get_root_units(spelling)[1]
        except errors:
            continue
        if root != registry.dimensionless:
            return str(root)
    return None


@functools.cache
def _pint_errors() -> tuple[type[Exception], ...]:
    from pint.errors import PintError

    # pint's parser also asserts on some odd input ("a/").
    return (PintError, AssertionError, AttributeError, ValueError, TypeError)


def is_conversion(text: str) -> bool:
    """Whether `text` converts a quantity: a number, a unit within the next two words,
    and another unit of the same kind elsewhere ("how many feet are in 3 meters")."""
    return conversion(text) is not None


def conversion(text: str) -> tuple[float, str, str] | None:
    """The conversion `text` asks for: (value, its unit, the target unit) as written
    ("how many feet are in 3 meters" -> (3.0, "meters", "feet")), or None."""
    text = _TWO_WORDS.sub(r"\1_\2", _ONE.sub("1 ", _PER.sub(r"\1/\2", text)))
    words = [_EVERYDAY.get(w, w) for w in _TOKEN.findall(text)]
    units = [_unit(w) for w in words]
    for i, word in enumerate(words):
        if not _IS_NUMBER.match(word):
            continue
        # The farther unit first: "30 degrees celsius" is in celsius, not in degrees of angle.
        for j in reversed(range(i + 1, min(i + 3, len(words)))):
            root = units[j]
            target = next(
                (
                    k
                    for k in range(len(words))
                    if k != j and units[k] == root and words[k].lower() != words[j].lower()
                ),
                None,
            )
            if root is not None and target is not None:
                value = float(word.rstrip("%").replace(",", ""))
                return value, _written(words[j]), _written(words[target])
    return None


def _written(unit: str) -> str:
    # "light_year" was joined for pint; a unit name is passed on as people write it.
    return unit.strip(".").replace("_", " ")


class Kind(StrEnum):
    """A kind of task recognised from a text's shape; its value is the words it ranks by."""

    ARITHMETIC = ARITHMETIC_WORDS
    CONVERSION = CONVERSION_WORDS


def kinds(text: str) -> frozenset[Kind]:
    """The kinds of task `text` shows (number words read as numbers)."""
    text = with_digits(text)
    found = set()
    if is_arithmetic(ISO_DATE.sub(" ", text)):
        found.add(Kind.ARITHMETIC)
    if is_conversion(text):
        found.add(Kind.CONVERSION)
    return frozenset(found)


def cue_words(text: str, shown: frozenset[Kind] | None = None) -> str:
    """`text`'s words to rank with (numbers dropped: a card's example numbers say
    nothing about it), plus the words of the kinds of task it shows (`shown`, if
    already known)."""
    words = [w for w in tokens(text) if not w.isdigit()]
    words += sorted(str(k) for k in (kinds(text) if shown is None else shown))
    return " ".join(words)

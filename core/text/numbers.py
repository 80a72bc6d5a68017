"""Numbers in French text: a count written in digits or in words, and numbers as a claim states them."""

from __future__ import annotations

import re
from functools import lru_cache

from text_to_num import alpha2digit

# A count: digits (thousands may be spaced: « 1 362 ») or a French number word.
NUMBER = re.compile(
    r"\b(\d[\d ]*|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|vingt|cent|mille)\b", re.I
)
_DIGITS = re.compile(r"\b\d[\d \u00a0]*\d\b|\b\d\b")


def french_count(n: int) -> str:
    """« 1 000 000 »: a count written the French way."""
    return f"{n:,}".replace(",", " ")


def french_megabytes(n: int) -> str:
    """« 2,5 Mo »: a size in bytes, as megabytes written the French way."""
    return f"{n / (1024 * 1024):.3g} Mo".replace(".", ",")


def _compact(text: str) -> str:
    return text.replace(" ", "").replace("\u00a0", "")


def numbers_in(text: str) -> set[str]:
    """The numbers written in digits in ``text``, thousands spaces removed (« 1 362 » -> « 1362 »)."""
    return {_compact(n) for n in _DIGITS.findall(text)}


def states_number(number: str, text: str) -> bool:
    """``text`` writes ``number`` (as :func:`numbers_in` gives it), spaced or not."""
    return number in _compact(text)


@lru_cache(maxsize=4096)
def with_digits(text: str) -> str:
    """``text`` with its French number words written in digits (« trente-six membres » ->
    « 36 membres », « neuf mois » -> « 9 mois »), by text2num; « un » / « une » alone stay words
    (they are articles more often than counts)."""
    return alpha2digit(text, "fr", threshold=2) if text else text

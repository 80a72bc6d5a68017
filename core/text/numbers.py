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


# « un » / « une » as an article, not inside a number (« vingt et un », « trente-et-un », « cent un »,
# « un million »): text2num reads it as the start of a number and then leaves the next number word
# as a word (« dans un délai de neuf mois » stayed so), so it is set aside while converting.
_ARTICLE = re.compile(
    r"(?<![-\w])(?<!\bet )(?<!cent )(?<!mille )(?:un|une)(?![-\w])(?!\s+(?:millions?|milliards?|mille|cents?)\b)",
    re.I,
)
_MASK = "\ue000"


@lru_cache(maxsize=4096)
def with_digits(text: str) -> str:
    """``text`` with its French number words written in digits (« trente-six membres » ->
    « 36 membres », « neuf mois » -> « 9 mois »), by text2num; « un » / « une » alone stay words
    (they are articles more often than counts)."""
    if not text:
        return text
    articles = iter(_ARTICLE.findall(text))
    converted = alpha2digit(_ARTICLE.sub(_MASK, text), "fr", threshold=2)
    return re.sub(_MASK, lambda _: next(articles), converted)

"""Two sentences that say the same thing: the same sentence in two overlapping passages, a
repeated article, the same clause in two versions of a text.

One test for the answer (a near-copy of a chosen sentence is left out) and for its measurement
(``evals.quality.shape``: an answer holding one counts as « dup »).
"""

from __future__ import annotations

import re

from core.text.numbers import with_digits
from core.text.tokens import fold

_WORD = re.compile(r"\w+")
# the share of their words two sentences hold in common (over the words of both) from which one
# is a copy of the other: a copy reworded at one or two words of a long clause
NEAR_COPY = 0.8
# one sentence's words all in the other's counts as a copy from this many words (« Le préfet
# signe. » is in many sentences without being a copy of them)
CONTAINED_WORDS = 4


def words(text: str) -> frozenset[str]:
    """The folded words of ``text``, its numbers in digits (« quatre ans » -> « 4 ans »), as the test
    compares them."""
    return frozenset(_WORD.findall(fold(with_digits(text).lower())))


def is_near_copy(first: frozenset[str], second: frozenset[str]) -> bool:
    """``first`` and ``second`` (from :func:`words`) are one sentence: they share ``NEAR_COPY`` of
    their words, or one's words (at least ``CONTAINED_WORDS``) are all in the other, and they state
    the same numbers: two versions of a clause that differ by a value (« deux ans », « quatre ans »)
    are two statements, the newer one named first (``assistant.newest``)."""
    if not first or not second or {w for w in first if w.isdigit()} != {w for w in second if w.isdigit()}:
        return False
    shared = len(first & second)
    smaller = min(len(first), len(second))
    return shared / len(first | second) >= NEAR_COPY or (shared == smaller and smaller >= CONTAINED_WORDS)

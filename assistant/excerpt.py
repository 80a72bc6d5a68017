"""A long sentence quoted by its relevant part: the clauses that hold what the question asks,
after the sentence's opening clause (its subject), the cuts marked « … ».

A legal sentence often runs 400-700 characters; shown whole, it fills what a reader sees first and
pushes the next sentence out. Quoted as a practitioner quotes it (« Ils constituent un comité
responsable du plan, … coprésidé par le représentant de l'Etat … »), it keeps the facts asked and
its citation (every word still comes from the passage, so verification holds).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from core.text.tokens import tokenize

# a clause ends after « ; », « : » or « , » followed by a space (not inside a number: « 1,5 »)
_CUT = re.compile(r"(?<=[;:,])\s+")
ELLIPSIS = "…"


def clauses(sentence: str) -> list[str]:
    """The sentence cut after each « ; », « : » and « , »; joined by a space they give it back."""
    return [part for part in _CUT.split(sentence.strip()) if part]


def excerpt(
    sentence: str,
    weight: Callable[[set[str]], float],
    limit: int,
    head_chars: int = 90,
    holds: Callable[[str], bool] | None = None,
) -> str:
    """``sentence`` unchanged when it fits in ``limit`` characters (0: no limit) or no clause holds a
    term of the question; otherwise the clauses that together hold most of the question's terms
    (``weight``: the weighted share of them a token set holds), each taken for the terms it adds,
    in reading order within ``limit``, led by the opening clause when that is short (``head_chars``:
    the sentence's subject), each cut marked « … ». With ``holds`` (a clause states the kind of
    value asked), only a sentence with such a clause is cut, and that clause is kept first: the
    clause stating « quinze jours » shares no word with « dans quel délai »."""
    parts = clauses(sentence)
    if limit <= 0 or len(sentence) <= limit or len(parts) < 2:
        return sentence
    tokens = [set(tokenize(part)) for part in parts]
    kept: set[int] = set()
    if holds is not None:
        stating = [i for i, part in enumerate(parts) if holds(part)]
        if not stating:
            return sentence
        best = max(stating, key=lambda i: (weight(tokens[i]), -i))
        kept.add(best)
    covered: set[str] = set().union(*(tokens[i] for i in kept))
    length = sum(len(parts[i]) + 1 for i in kept)
    while True:
        base = weight(covered)
        gains = [
            (weight(covered | tokens[i]) - base, -i)
            for i in range(len(parts))
            if i not in kept and length + len(parts[i]) + 1 <= limit
        ]
        if not gains or max(gains)[0] <= 0:
            break
        i = -max(gains)[1]
        kept.add(i)
        covered |= tokens[i]
        length += len(parts[i]) + 1
    if not kept:
        return sentence
    if 0 not in kept and len(parts[0]) <= head_chars:
        kept.add(0)
    shown, last = [], -1
    for i in sorted(kept):
        if i != last + 1:
            shown.append(ELLIPSIS)
        shown.append(parts[i])
        last = i
    text = " ".join(shown)
    if last < len(parts) - 1:
        text = f"{text.rstrip(' ;:,')} {ELLIPSIS}"
    return text

"""The shape of an answer, whatever the question: a sentence cut, a sentence twice, a title line.

* **cut**: a citation marker inside a sentence, which shows the sentence was cut: after a legal
  abbreviation and before the number it announces (« l'article L. [2] 1234-5 »), or before a word
  in lower case (« … [1] des quartiers concernés. »); an answer opening in lower case too.
* **dup**: two claims of the answer that are the same sentence, or one a near-copy of the other
  (:func:`core.text.near_copy.is_near_copy`).
* **title**: the answer's first claim is a title line or page furniture
  (:func:`core.text.furniture.is_furniture`).

Each function takes the answer's text (markers included) and is pure.
"""

from __future__ import annotations

import re

from core.text.furniture import is_furniture
from core.text.markers import MARKER_RUN
from core.text.markers import strip as strip_markers
from core.text.near_copy import is_near_copy, words

_GROUP = r"(?:\s*\[\d{1,2}(?:\s*[,;]\s*\d{1,2})*\])+"
# « L. [2] 1234-5 », « art. [1] 5 », « n° [3] 2004-123 »: a reference broken by a marker
_BROKEN_REFERENCE = re.compile(rf"(?:\b[A-Z]\.|\b(?:art|al|n|no)\.|n°){_GROUP}\s*\d")
# « … [1] des quartiers »: what follows a marker goes on in lower case
_LOWER_AFTER = re.compile(rf"{_GROUP}[ \t]*[a-zà-öø-ÿ]")
SHAPE_KEYS = ("cut", "dup", "title")


def claims(answer: str) -> list[str]:
    """The answer's pieces that end on a marker, markers removed (a line without one is one claim)."""
    out = []
    for line in answer.splitlines():
        for piece in MARKER_RUN.split(line)[::2]:
            text = strip_markers(piece).strip()
            if text:
                out.append(text)
    return out


def is_cut(answer: str) -> bool:
    text = answer.strip()
    if not text:
        return False
    first = text.lstrip("-*•– ")[:1]
    return bool(_BROKEN_REFERENCE.search(text) or _LOWER_AFTER.search(text) or first.islower())


def is_duplicated(answer: str) -> bool:
    seen: list[frozenset[str]] = []
    for claim in claims(answer):
        found = words(claim)
        if any(is_near_copy(found, other) for other in seen):
            return True
        seen.append(found)
    return False


def opens_on_title(answer: str) -> bool:
    found = claims(answer)
    return bool(found) and is_furniture(found[0].lstrip("-*•– "))


def shape(answer: str) -> dict[str, bool]:
    """The three shape figures of one answer (refusals are not scored)."""
    return {"cut": is_cut(answer), "dup": is_duplicated(answer), "title": opens_on_title(answer)}

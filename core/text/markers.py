"""Citation markers ``[n]`` and ``[1, 2]``: find, parse, strip, renumber, neutralise.

An answer cites passage n with ``[n]`` right after the sentence; several markers may follow
one another (``[1][2]``) or share brackets (``[1, 2]``). Text that is not an answer (a passage
shown to the model) must not carry markers: :func:`neutralise` turns them into parentheses.
"""

from __future__ import annotations

import re

from core.text.sentences import ends_on_abbreviation

_GROUP = r"\[\d{1,2}(?:\s*[,;]\s*\d{1,2})*\]"
MARKER = re.compile(r"\[(\d{1,2}(?:\s*[,;]\s*\d{1,2})*)\]")
# Markers one after the other, with the spaces before each: what ends a cited sentence.
MARKER_RUN = re.compile(rf"((?:\s*{_GROUP})+)")
_SEPARATOR = re.compile(r"\s*[,;]\s*")


def numbers(group: str) -> list[int]:
    """The passage numbers of a marker's inside: « 1, 2 » -> [1, 2]."""
    return [int(n) for n in _SEPARATOR.split(group)]


def cited(text: str) -> list[int]:
    """Every passage number cited in ``text``, in order (repeats kept)."""
    return [n for m in MARKER.finditer(text) for n in numbers(m.group(1))]


def strip(text: str) -> str:
    """``text`` without its markers."""
    return MARKER.sub("", text)


def claim_text(text: str) -> str:
    """``text`` as a claim reads without its markers: no space left before a stop or a comma
    (« 2024 [1]. » -> « 2024. »)."""
    return re.sub(r"\s+([.!?…,;:])", r"\1", strip(text).rstrip())


def renumber(text: str, mapping: dict[int, int]) -> str:
    """Markers pointed to new numbers (``mapping``: old -> new; numbers not in it are kept)."""
    return MARKER.sub(lambda m: "".join(f"[{mapping.get(n, n)}]" for n in numbers(m.group(1))), text)


def neutralise(text: str) -> str:
    """Markers a passage carries, written as plain parentheses: « [2] » -> « (2) »."""
    return MARKER.sub(lambda m: f"({m.group(1)})", text)


def move_before_stop(line: str) -> str:
    """A marker written before the final stop (« ... 2024 [1]. ») goes after it (« ... 2024. [1] »)."""
    return re.sub(rf"\s*((?:{_GROUP}\s*)+)([.!?…])(?=\s|$)", r"\2 \1", line)


def split_after_markers(line: str) -> list[str]:
    """Cut a line after each sentence stop and the markers that follow it (pieces alternate:
    sentence, markers, sentence, markers...); a stop that ends an abbreviation (« l'article L.
    411-2 ») with no marker after it cuts nothing."""
    parts = re.split(rf"(?<=[.!?…])((?:\s*{_GROUP})*)(?:\s+|$)", line)
    out = parts[:1]
    for i in range(1, len(parts), 2):
        marks, following = parts[i], parts[i + 1]
        if not marks and following and ends_on_abbreviation(out[-1]):
            out[-1] = f"{out[-1]} {following}"
        else:
            out += [marks, following]
    return out

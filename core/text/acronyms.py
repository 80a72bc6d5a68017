"""Acronyms: what « CLS », « FRAA » or « CA » stand for, so that a question using one meets a text
that spells it out.

Three sources, the corpus first: a definition in parentheses (« le fonds régional d'aide aux
associations (FRAA) », « CLS (contrat local de santé) »); the field's glossary shipped in
``core/glossary/acronyms.tsv``; and, for an acronym of three letters or more found nowhere else, a
phrase of the corpus whose words' initials spell it (« programme régional pour l'emploi des
jeunes » for PREJ; small words such as « de », « la », « pour » are skipped).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from core.text.tokens import fold

GLOSSARY_FILE = Path(__file__).resolve().parents[1] / "glossary" / "acronyms.tsv"
# An acronym as written in a question or a text: two capitals or more, maybe a hyphenated part.
ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,7}(?:-[A-Z]{2,6})?\b")
_SMALL = {
    "de",
    "des",
    "du",
    "d",
    "la",
    "le",
    "les",
    "l",
    "pour",
    "à",
    "a",
    "au",
    "aux",
    "et",
    "en",
    "sur",
    "dans",
}
_WORD = re.compile(r"[\wÀ-ÿ]+(?:['’])?", re.UNICODE)
_DEFINED_AFTER = re.compile(r"\(([A-Z][A-Z0-9]{1,7}(?:-[A-Z]{2,6})?)\)")
_DEFINED_BEFORE = re.compile(r"\b([A-Z][A-Z0-9]{1,7}(?:-[A-Z]{2,6})?)\s*\(([^()]{5,120})\)")
_ROMAN = re.compile(r"^[IVXLC]+$")


def letters(acronym: str) -> str:
    return fold(acronym).lower().replace("-", "")


def initials(phrase: str) -> str:
    """The initials of ``phrase``'s words, small words skipped (« zone urbaine sensible » -> « zus »)."""
    out = []
    for word in _WORD.findall(phrase):
        word = fold(word.rstrip("'’")).lower()
        if word and word not in _SMALL:
            out.append(word[0])
    return "".join(out)


def _tail_spelling(text: str, acronym: str) -> str | None:
    """The shortest run of words ending ``text`` whose initials spell ``acronym``."""
    want, words = letters(acronym), list(_WORD.finditer(text))
    for start in range(len(words) - 1, max(-1, len(words) - 3 * len(want) - 1), -1):
        phrase = text[words[start].start() : words[-1].end()].rstrip("'’")
        if initials(phrase) == want and fold(words[start].group(0)).lower().strip("'’") not in _SMALL:
            return " ".join(phrase.split())
    return None


def definitions(text: str) -> dict[str, str]:
    """Acronyms the text defines in parentheses, with their long form."""
    found: dict[str, str] = {}
    for m in _DEFINED_AFTER.finditer(text):
        acronym = m.group(1)
        if _ROMAN.match(acronym):
            continue
        phrase = _tail_spelling(text[max(0, m.start() - 200) : m.start()].rstrip(), acronym)
        if phrase:
            found.setdefault(acronym, phrase)
    for m in _DEFINED_BEFORE.finditer(text):
        acronym, inside = m.group(1), m.group(2).strip()
        if not _ROMAN.match(acronym) and initials(inside) == letters(acronym):
            found.setdefault(acronym, inside)
    return found


@lru_cache(maxsize=1)
def glossary() -> dict[str, str]:
    """The shipped glossary: acronym -> long form."""
    out: dict[str, str] = {}
    for line in GLOSSARY_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            acronym, _, long = line.partition("\t")
            out.setdefault(acronym.strip(), long.strip())
    return out


def spelled_in(acronym: str, text: str) -> str | None:
    """A phrase of ``text`` whose words' initials spell ``acronym`` (three letters or more)."""
    want = letters(acronym)
    if len(want) < 3:
        return None
    small = "|".join(sorted(_SMALL, key=len, reverse=True))
    gap = rf"(?:\s+(?:(?:{small})\b['’]?\s*)*)"
    pattern = gap.join(rf"{c}[\wÀ-ÿ]*" for c in want)
    m = re.search(rf"(?<![\wÀ-ÿ]){pattern}(?![\wÀ-ÿ])", fold(text), re.I)
    return " ".join(text[m.start() : m.end()].split()) if m else None


class Acronyms:
    """Acronym -> long form for one corpus: its own definitions, then the glossary, then spellings."""

    def __init__(self, texts: list[str]):
        self._texts = texts
        self.defined: dict[str, str] = {}
        for text in texts:
            for acronym, long in definitions(text).items():
                self.defined.setdefault(acronym, long)
        self._spelled: dict[str, str | None] = {}

    def long_form(self, acronym: str) -> str | None:
        if acronym in self.defined:
            return self.defined[acronym]
        if acronym in glossary():
            return glossary()[acronym]
        if acronym not in self._spelled:
            self._spelled[acronym] = next(
                (found for text in self._texts if (found := spelled_in(acronym, text))), None
            )
        return self._spelled[acronym]


def acronyms_in(text: str) -> list[str]:
    """The acronyms written in ``text``, in order, once each (Roman numerals left out)."""
    seen: list[str] = []
    for m in ACRONYM.finditer(text):
        if m.group(0) not in seen and not _ROMAN.match(m.group(0)):
            seen.append(m.group(0))
    return seen

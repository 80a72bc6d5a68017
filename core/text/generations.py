"""Generations of contrats de la politique de la ville (``core/glossary/generations.tsv``): the one
a question asks about, and whether a text belongs to an earlier one.

A question asks about a generation when it names it (« CUCS », one of the names of the file), or
speaks of contracts with a year of it (« les contrats signés en 2016 », « un contrat de 2025 »), or
of contracts now (« actuellement », « en vigueur »: the generation of this year). A document is of
an earlier generation when it is dated before the asked one's first year, less one (texts that
prepare a generation come the year before), and never names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from core.text.tokens import fold

GENERATIONS_FILE = Path(__file__).resolve().parents[1] / "glossary" / "generations.tsv"
_CONTRACT = re.compile(r"\bcontrats?\b", re.I)
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")


@dataclass(frozen=True)
class Generation:
    name: str
    first: int
    last: int
    aliases: tuple[str, ...]

    def named_in(self, text: str) -> bool:
        """``text`` names this generation (one of its names, or a span of its years « 2024-2030 »)."""
        folded = fold(text).lower()
        if any(fold(alias).lower() in folded for alias in self.aliases):
            return True
        return any(
            self.first <= int(a) <= self.last and self.first <= int(b) <= self.last
            for a, b in re.findall(r"\b((?:19|20)\d{2})\s*[-–]\s*((?:19|20)\d{2})\b", text)
        )


@lru_cache(maxsize=1)
def generations() -> tuple[Generation, ...]:
    out = []
    for line in GENERATIONS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, first, last, aliases = line.split("\t")
            out.append(Generation(name, int(first), int(last), (name, *aliases.split("|"))))
    return tuple(out)


def of_year(year: int) -> Generation | None:
    return next((g for g in generations() if g.first <= year <= g.last), None)


def asked_generation(question: str, present: bool, today: date | None = None) -> Generation | None:
    """The generation ``question`` asks about, or None (see module)."""
    named = [g for g in generations() if g.named_in(question)]
    if named:
        return max(named, key=lambda g: g.first)
    if not _CONTRACT.search(question):
        return None
    years = [of_year(int(y)) for y in _YEAR.findall(question)]
    if any(years):
        return max((g for g in years if g), key=lambda g: g.first)
    return of_year((today or date.today()).year) if present else None


def earlier(text: str, year: int, asked: Generation) -> bool:
    """A document of ``year`` whose ``text`` never names ``asked`` is of an earlier generation."""
    return 0 < year < asked.first - 1 and not asked.named_in(text)


def earlier_note(
    question: str, texts: list[tuple[str, int]], present: bool, today: date | None = None
) -> str:
    """A warning to put before an answer whose every source (``texts``: (text with its title, year
    of its document)) is of an earlier generation than the one ``question`` asks about; "" otherwise."""
    asked = asked_generation(question, present, today)
    if asked is None or not texts or not all(earlier(text, year, asked) for text, year in texts):
        return ""
    years = sorted({year for _, year in texts})
    span = str(years[0]) if len(years) == 1 else f"{years[0]} à {years[-1]}"
    older = of_year(years[-1])
    which = f" (ils relèvent des {older.name})" if older and older != asked else ""
    return (
        f"Attention : les passages trouvés datent de {span}, avant les {asked.name}{which} ; "
        "ils ne décrivent pas forcément les règles de cette génération."
    )

"""French dates: the month names, finding dates in a text, reading one, writing one.

* :data:`DATE` finds a date mentioned in a sentence, loosely (« 15 avril 2025 », « 15/04/25 »,
  « avril 2025 », « 15 avril », or a bare year): what the answer engine asks of a sentence.
* :func:`find_dates` reads every date of a text precisely, with a sort key and a French label,
  approximate ones included (« fin avril 2025 », « début 2026 », « 15 04 2025 » on slides).
* :func:`parse_date` is a document's date: the first full date, else the first month.
* :func:`french_date` writes an ISO date the French way (« 1er mars 2024 »).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTH_NAMES = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
# Month number of each name, written with or without its accent.
MONTHS = {**{name: i for i, name in enumerate(MONTH_NAMES, start=1)}, "fevrier": 2, "aout": 8, "decembre": 12}
_M = "|".join(sorted(MONTHS, key=len, reverse=True))
_Y = r"((?:19|20)\d{2})"
YEAR = re.compile(r"(?:19|20)\d{2}")
DATE = re.compile(
    rf"\b(\d{{1,2}}(er)?\s+\w+\s+\d{{4}}|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}|({_M})\s+\d{{4}}|"
    rf"\d{{1,2}}\s+({_M})|(19|20)\d{{2}})\b",
    re.I,
)

# Most precise first: a span taken by one pattern is not matched again by the next ones.
_PATTERNS = [
    ("day", re.compile(rf"\b(\d{{1,2}})(?:er)?\s+({_M})\s+{_Y}\b", re.I)),
    ("numeric", re.compile(rf"\b(\d{{1,2}})([/.])(\d{{1,2}})\2{_Y}\b")),
    ("numeric", re.compile(rf"\b(\d{{1,2}})( )(\d{{2}}) {_Y}\b")),  # "31 08 2023" (slides)
    ("part_month", re.compile(rf"\b(début|debut|mi|fin)[\s-]+({_M})\s+{_Y}\b", re.I)),
    ("month", re.compile(rf"\b({_M})\s+{_Y}\b", re.I)),
    ("part_year", re.compile(rf"\b(début|debut|fin)\s+(?:d'année\s+|de l'année\s+)?{_Y}\b", re.I)),
]
_PART_DAY = {"début": 1, "debut": 1, "mi": 15, "fin": 28}


@dataclass(frozen=True)
class DateMention:
    """A date found in a text: where, how precise (``kind``), a sort key and its French label."""

    start: int
    end: int
    key: tuple  # (year, month, day, precision): approximate dates sort by their best guess
    label: str
    kind: str  # day | numeric | part_month | month | part_year


def full_dates(text: str) -> list[str]:
    """The dates of a text other than bare years, lower-cased (« 26 mars 2014 », « mars 2025 »)."""
    return [m.group(0).lower() for m in DATE.finditer(text) if not YEAR.fullmatch(m.group(0))]


def day_label(day: int, month: int, year: int) -> str:
    return f"{'1er' if day == 1 else day} {MONTH_NAMES[month - 1]} {year}"


def find_dates(text: str) -> list[DateMention]:
    """Every date of ``text``, in reading order."""
    found, taken = [], []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            parsed = _parse(kind, m)
            if parsed:
                taken.append((m.start(), m.end()))
                found.append(DateMention(m.start(), m.end(), parsed[0], parsed[1], kind))
    return sorted(found, key=lambda d: (d.start, d.end))


def _parse(kind: str, m: re.Match):
    g = m.groups()
    if kind == "day":
        day, month, year = int(g[0]), MONTHS[g[1].lower()], int(g[2])
    elif kind == "numeric":
        day, month, year = int(g[0]), int(g[2]), int(g[3])
    elif kind == "part_month":
        part, month, year = g[0].lower(), MONTHS[g[1].lower()], int(g[2])
        label = f"{'mi-' if part == 'mi' else part.replace('debut', 'début') + ' '}{MONTH_NAMES[month - 1]} {year}"
        return (year, month, _PART_DAY[part], 1), label
    elif kind == "month":
        month, year = MONTHS[g[0].lower()], int(g[1])
        return (year, month, 1, 0), f"{MONTH_NAMES[month - 1]} {year}"
    else:  # part_year
        part, year = g[0].lower(), int(g[1])
        return (
            ((year, 1, 1, -1), f"début {year}")
            if part.startswith("d")
            else ((year, 12, 31, 1), f"fin {year}")
        )
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return (year, month, day, 2), day_label(day, month, year)


def _as_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day) if 1990 <= year <= 2100 else None
    except ValueError:
        return None


def parse_date(text: str) -> date | None:
    """The first full date of ``text`` (« 15 avril 2025 », « 15/04/2025 »), else its first month
    (« mars 2024 », « fin mars 2024 » -> 1 March): a document's own date, between 1990 and 2100."""
    mentions = find_dates(text)
    for wanted in (("day", "numeric"), ("month", "part_month")):
        for mention in mentions:
            if mention.kind in wanted:
                year, month, day, _ = mention.key
                found = _as_date(year, month, day if mention.kind in ("day", "numeric") else 1)
                if found:
                    return found
    return None


def french_date(iso: str | None) -> str:
    """'2025-04-15' -> '15 avril 2025' (anything else is returned as it is)."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", (iso or "").strip())
    if not m:
        return iso or ""
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not 1 <= month <= 12:
        return iso
    return day_label(day, month, year)

"""Legal texts named in French: « Décret n° 2019-12 du 1er mars 2019 relatif à … », « Loi du … »."""

from __future__ import annotations

import re

# « Décret n° 2019-12 du 1er mars 2019 », « Loi du 3 août 2018 », « Arrêté du 3 février 2019 »
LEGAL_NAME = re.compile(
    r"\b(Loi|Décret|Arrêté|Circulaire|Ordonnance|Instruction|Délibération|Décision)"
    r"(\s+(organique\s+)?n°\s*[\d-]+)?\s+du\s+\d{1,2}(er)?\s+[a-zéû]+\s+\d{4}",
    re.I,
)


def text_name(text: str) -> str | None:
    """The name of a legal text given in ``text``: from « Décret n° … du <date> » to the end of the
    parenthesis, field or sentence that holds it (its own parentheses kept)."""
    match = LEGAL_NAME.search(text)
    if match is None:
        return None
    depth, end = 0, len(text)
    for i in range(match.end(), len(text)):
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                end = i
                break
            depth -= 1
        elif c in "|;" and depth == 0:
            end = i
            break
    return text[match.start() : end].strip(" -.") or None


# « n° 2019-1234 », « n°96-56 »: the number of a legal text
TEXT_NUMBER = re.compile(r"\bn°\s*(\d{2,4}[-‑]\d{1,5})\b", re.I)


def cited_numbers(text: str) -> list[str]:
    """The legal-text numbers ``text`` cites (« décret n° 2019-12 » -> « 2019-12 »)."""
    return [m.replace("‑", "-") for m in TEXT_NUMBER.findall(text)]


def named_by_date(text: str) -> list[str]:
    """The names of legal texts given by their date only (« la circulaire du 3 mars 2019 »)."""
    return [m.group(0) for m in LEGAL_NAME.finditer(text) if not m.group(2)]

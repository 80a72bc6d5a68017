"""Lines that describe a text rather than say something: its title line, its source and licence,
its JORF or NOR number, « Version en vigueur au … », page numbers and navigation.

They are the document's metadata (its name, number and date are read from them at ingest,
``ingest.metadata``); an answer never quotes them as a sentence (:func:`is_furniture`).
"""

from __future__ import annotations

import re

# A title line: the form of a legal text without an article, then its number or its date
# (« Décret n° 2004-123 du 9 février 2004 relatif à … », « LOI n° 2014-173 du 21 février 2014 … »,
# « Arrêté du 30 mai 2014 portant … »). A sentence that cites a text gives it an article
# (« Le décret n° … fixe … ») or comes after other words.
_TITLE = re.compile(
    r"^\W*(?:Loi|Décret|Arrêté|Circulaire|Ordonnance|Instruction|Délibération|Décision)"
    r"(?:\s+(?:organique|interministérielle|ministérielle))?"
    r"\s+(?:n°\s*[\w/.‑-]+|du\s+\d{1,2}(?:er)?\s+[a-zéû]+\s+\d{4})",
    re.I,
)
# The verbs of a sentence that opens on a text's name (« Décret n° … : il fixe … » is rare; « La
# loi n° … est abrogée » has its article): a title line holds none of these forms.
_FINITE_VERB = re.compile(
    r"\b(?:est|sont|a|ont|fixe|fixent|prévoit|prévoient|dispose|disposent|précise|définit|"
    r"modifie|abroge|crée|institue|remplace)\b",
    re.I,
)
# « Source : Légifrance | Licence : Licence Ouverte », « NOR : VILV1234567D », « JORF n°0045 du … »,
# « Version en vigueur au 3 mai 2024 », « ELI : https://… », « Page 3 / 12 », « - 3 - », « 3/12 »
_FURNITURE = re.compile(
    r"^\W*(?:(?:source|licence|nor|eli|url|jorf|jo)\s*(?::|n°|\s\d)"
    r"|version\s+(?:en\s+vigueur|consolidée)\s+(?:au|du)\b"
    r"|page\s+\d+(?:\s*(?:/|sur)\s*\d+)?\s*$"
    r"|[-–—\s]*\d{1,4}(?:\s*/\s*\d{1,4})?[-–—\s]*$"
    r"|(?:accueil|sommaire|retour|imprimer|partager)(?:\s*[>|›»]\s*\S.*)?$)",
    re.I,
)


def is_title_line(line: str) -> bool:
    """A legal text's title as its first line writes it, not a sentence about the text."""
    text = line.strip()
    if not _TITLE.match(text):
        return False
    rest = _TITLE.sub("", text, count=1)
    return not _FINITE_VERB.search(rest)


def is_furniture(line: str) -> bool:
    """A title line, a source, licence, NOR or JORF line, a version date, a page number or a
    navigation line: what describes or frames the text, never an answer sentence."""
    text = line.strip()
    return bool(text) and (bool(_FURNITURE.match(text)) or is_title_line(text))

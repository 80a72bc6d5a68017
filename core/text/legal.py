"""Legal texts named in French: « Décret n° 2019-12 du 1er mars 2019 relatif à … », « Loi du … »."""

from __future__ import annotations

import re
from dataclasses import dataclass

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


# ---- a text's identity: its form (« décret »), its number, its date ------------------------------

# the forms of legal and administrative texts, with the article a sentence gives them
FORMS = {
    "loi": "la",
    "ordonnance": "l'",
    "décret": "le",
    "arrêté": "l'",
    "circulaire": "la",
    "instruction": "l'",
    "délibération": "la",
    "décision": "la",
}
_FORM = r"(Loi|Ordonnance|Décret|Arrêté|Circulaire|Instruction|Délibération|Décision)"
_DAY = r"\d{1,2}(?:er)?\s+[a-zéû]+\s+\d{4}"
# « Décret n° 2011-628 du 1er juin 2011 », « Circulaire du 31 août 2023 », « loi n° 2014-173 »,
# « Circulaire n° 6314/SG du 4 janvier 2024 »: a form, then a number, a date, or both
_IDENTITY = re.compile(
    rf"\b{_FORM}(?:\s+(?:organique|interministérielle|ministérielle))?"
    rf"(?:\s+n°\s*(\d(?:[\w/.‑-]*\w)?))?(?:\s*,?\s+du\s+({_DAY}))?",
    re.I,
)


@dataclass(frozen=True)
class TextId:
    """Who a legal text is: its form, its number and its date (either may be missing, not both)."""

    form: str  # « décret »
    number: str  # « 2011-628 », or ""
    day: str  # « 1er juin 2011 », or ""
    name: str  # « Décret n° 2011-628 du 1er juin 2011 »

    @property
    def key(self) -> tuple[str, str]:
        """What names the same text elsewhere: (form, number), else (form, its date as written)."""
        return (self.form, self.number.replace("‑", "-")) if self.number else (self.form, self.day.lower())

    def spoken(self) -> str:
        """« le décret n° 2011-628 du 1er juin 2011 »: the name with its article, in a sentence."""
        article = FORMS.get(self.form, "le")
        name = self.name[0].lower() + self.name[1:]
        return f"{article}{name}" if article.endswith("'") else f"{article} {name}"


def text_ids(text: str) -> list[TextId]:
    """Every legal text ``text`` names by a number or a date, in order."""
    out = []
    for m in _IDENTITY.finditer(text):
        if m.group(2) or m.group(3):
            name = " ".join(m.group(0).split()).replace(" ,", ",")
            name = name[0].upper() + name[1:]
            out.append(TextId(m.group(1).lower(), m.group(2) or "", m.group(3) or "", name))
    return out


def own_id(title: str, opening: str = "") -> TextId | None:
    """The identity of a text from its title (« Décret n° 2011-628 du 1er juin 2011 relatif à … »),
    else from the first line of its text when that line starts with its name: a name cited further
    down is another text."""
    for candidate in (title, opening.strip().split("\n", 1)[0] if opening.strip() else ""):
        found = text_ids(candidate.strip().lstrip("#* ").strip()[:200])
        if found and candidate.strip().lstrip("#* ").lower().startswith(found[0].form):
            return found[0]
    return None


def subject(title: str) -> str:
    """What a text is about, from its title: what follows its name (« relatif à l'Observatoire … »),
    parentheses (« (extrait : articles 1 à 4) ») removed."""
    ident = own_id(title)
    rest = title[title.find(ident.name) + len(ident.name) :] if ident and ident.name in title else title
    return re.sub(r"\([^()]*\)", " ", rest).strip(" .,-")


# ---- relations a text states: « modifiant le décret n° … », « … est abrogé » ------------------------

# verb stem -> relation; the text that says it acts on the text it names
_VERBS = {"modifi": "modifie", "abrog": "abroge", "rempla": "remplace", "applicat": "applique"}
_ACTIVE = re.compile(
    r"\b(modifiant|modifie|abrogeant|abroge|remplaçant|remplace|pris\s+pour\s+l'application|"
    r"portant\s+application)\s+(?:de\s+)?(?:les?\s+|la\s+|l'|des\s+|du\s+)?(?=[A-Za-zéÉ])",
    re.I,
)
_PASSIVE = re.compile(r"\s(?:est|sont)\s+(?:ainsi\s+)?(abrogée?s?|modifiée?s?|remplacée?s?)\b", re.I)


def stated_relations(text: str) -> list[tuple[str, TextId]]:
    """(relation, target) for each relation ``text`` states in its own words: « modifiant le décret
    n° 2004-1135 » (modifie), « pris pour l'application de la loi n° 2003-710 » (applique), « Le
    décret n° 2004-1135 du 22 octobre 2004 … est abrogé. » (abroge). Deduplicated, in order."""
    found: list[tuple[str, TextId]] = []
    for m in _ACTIVE.finditer(text):
        ids = text_ids(text[m.end() : m.end() + 120])
        if ids and text[m.end() :].lower().startswith(ids[0].form):
            found.append((_relation(m.group(1)), ids[0]))
    for m in _PASSIVE.finditer(text):
        sentence_start = max(text.rfind(".", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        ids = text_ids(text[sentence_start : m.start()])
        if ids:
            found.append((_relation(m.group(1)), ids[0]))
    out, seen = [], set()
    for relation, target in found:
        if (relation, target.key) not in seen:
            seen.add((relation, target.key))
            out.append((relation, target))
    return out


def _relation(verb: str) -> str:
    verb = verb.lower()
    return next((rel for stem, rel in _VERBS.items() if stem in verb), "applique")

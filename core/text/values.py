"""Values a question asks for and a sentence may hold: a count, a duration, an amount, a rate, an
address, a date.

Number words are read as digits first (:func:`core.text.numbers.with_digits`: « trente-six
membres », « neuf mois »), so a sentence that writes its numbers in words holds them too.
:func:`asked_value` says which kind a question asks for (by its interrogative form, not its
subject); :func:`holds_value` whether a text holds one of that kind.
"""

from __future__ import annotations

import re

from core.text.dates import DATE, YEAR
from core.text.numbers import with_digits
from core.text.tokens import holds_stem, tokenize

_UNIT_OF_TIME = r"(?:jours?|semaines?|mois|ans|années?|heures?|trimestres?|semestres?)"
_DURATION = re.compile(
    rf"\b\d[\d ]*\s*{_UNIT_OF_TIME}\b|\b(?:un|une)\s+(?:an|année|mois|semaine|jour)\b", re.I
)
_AMOUNT = re.compile(r"(\d[\d .,]*\s*(€|euros?|k€|m€|millions?|milliards?)|\bgratuit\w*)", re.I)
_RATE = re.compile(r"\d\s*%|\bpour ?cent\b|\d+(,\d+)?\s*points?\b", re.I)
# A count: a number that quantifies the word after it (« 18 représentants », « 112 p. »).
_COUNT = re.compile(r"(?<![\w°,.-])(\d[\d  ]*)\s+(?:de\s+|d['’])?([^\W\d_]+)", re.UNICODE)
_ENUMERATION = re.compile(r"^\s*\d{1,2}[.)°]\s")

_DURATION_Q = re.compile(
    r"\b(combien de temps|pour combien de temps|quelle (?:est la )?durée|pour quelle durée|quel délai|"
    r"dans quel délai|en combien de (?:jours|mois|ans|semaines))\b",
    re.I,
)
_AMOUNT_Q = re.compile(
    r"\b(montant|budget|co[uû]t|co[uû]te|co[uû]tent|prix|tarif|combien .*(euros?|€|pay|financ))", re.I
)
_RATE_Q = re.compile(r"\b(taux|pourcentage|proportion|quelle part)\b", re.I)
_COUNT_Q = re.compile(r"\b(combien\s+(?:de|d['’])|quel (?:est le )?nombre|nombre de)\s*\w+", re.I)
# A question asking for a date, not « quand on parle de … »
_WHEN_Q = re.compile(
    r"((^|[,;:?]\s*|\bet\s+|\bde\s+|\bdepuis\s+|jusqu'à\s+|à partir de\s+)quand\b|"
    r"\bquelle date\b|\bquel jour\b|\ben quelle année\b)",
    re.I,
)
# A postal address: a number and a kind of street (« 103 boulevard des États-Unis »), or a postcode
# before a capitalised town (« 69008 Lyon »); asked by « adresse ».
_ADDRESS = re.compile(
    r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|allée|chemin|quai|impasse|"
    r"cours|route|square|esplanade|passage|parvis|rond-point)\b|\b\d{5}\s+[A-ZÀ-Ý][a-zà-ÿ]",
    re.I,
)
_ADDRESS_Q = re.compile(r"\badresses?\b", re.I)
KINDS = ("duration", "amount", "rate", "count", "address", "date")
_ASKS = {
    "duration": _DURATION_Q,
    "amount": _AMOUNT_Q,
    "rate": _RATE_Q,
    "count": _COUNT_Q,
    "address": _ADDRESS_Q,
    "date": _WHEN_Q,
}
# what the passages lack, as a refusal says it (« aucune date dans les passages »)
LABELS = {
    "duration": "aucune durée",
    "amount": "aucun montant",
    "rate": "aucun taux ni pourcentage",
    "count": "aucun nombre",
    "address": "aucune adresse",
    "date": "aucune date",
}


def asked_value(question: str) -> tuple[str, re.Match] | None:
    """The kind of value the question asks for and where it asks it, or None (the first kind of
    :data:`KINDS` that matches: « combien de temps » is a duration before it is a count)."""
    for kind in KINDS:
        match = _ASKS[kind].search(question)
        if match:
            return kind, match
    return None


def counted_words(text: str) -> list[str]:
    """The words ``text`` counts (« 18 représentants de l'État et 6 personnalités » -> the two nouns),
    numbers in words included; dates, years and enumerations are not counts."""
    lines = (_ENUMERATION.sub(" ", line) for line in with_digits(text).split("\n"))
    body = DATE.sub(" ", "\n".join(lines))
    return [m.group(2) for m in _COUNT.finditer(body) if not YEAR.fullmatch(m.group(1).strip())]


def counts_word(text: str, noun: str) -> bool:
    """``text`` counts ``noun`` (« dix-huit représentants » counts « représentants »; stems compared,
    or their first six letters). A noun with its complement (« rénovations de façades »,
    :func:`asked_noun`) is counted by a count of the noun, or by a count of the complement where
    the text names the noun too (« la rénovation de 120 façades »)."""
    head, _, complement = noun.partition(" de ")
    want = tokenize(head)
    if not want:
        return False
    if holds_stem((t for word in counted_words(text) for t in tokenize(word)), want[0]):
        return True
    return bool(complement) and counts_word(text, complement) and holds_stem(tokenize(text), want[0])


# the noun after the counted one: « combien de rénovations de façades »
_COMPLEMENT = re.compile(r"\s+(?:de|des|du|d['’])\s*([^\W\d_]{3,})")


def asked_noun(match: re.Match) -> str:
    """The word a count question counts (« combien de membres » -> « membres »), with the noun
    after it if one follows (« combien de rénovations de façades » -> « rénovations de
    façades »: :func:`counts_word`)."""
    head = match.group(0).split()[-1].split("'")[-1].split("’")[-1]
    tail = _COMPLEMENT.match(match.string, match.end())
    return f"{head} de {tail.group(1)}" if tail else head


def holds_value(kind: str, text: str, years: set[str] = frozenset()) -> bool:
    """``text`` holds a value of ``kind``: for a count, a number followed by the word it counts
    (:func:`counted_words`); for a date, one other than the ``years`` the question gives."""
    text = with_digits(text)
    if kind == "duration":
        return bool(_DURATION.search(text))
    if kind == "amount":
        return bool(_AMOUNT.search(text))
    if kind == "rate":
        return bool(_RATE.search(text))
    if kind == "count":
        return bool(counted_words(text))
    if kind == "address":
        return bool(_ADDRESS.search(text))
    if kind == "date":
        return any(d.group(0) not in years for d in DATE.finditer(text))
    raise ValueError(kind)

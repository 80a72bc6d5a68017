"""What a sentence can answer: the kinds of question practitioners ask, read from the sentence's
own form (a date, a deadline, an amount, a count, an actor, a condition…), in French legal and
administrative wording in general, not from any question set."""

from __future__ import annotations

import re

from core.text.dates import DATE
from core.text.values import holds_value

_DEADLINE = re.compile(
    r"\b(dans un délai de|au plus tard|avant le|à compter de|jusqu'au|dans les \d+)\b", re.I
)
_ACTOR = re.compile(
    r"\b(préfet|maire|président|ministre|conseil|commission|comité|représentant|directeur|"
    r"établissement public|agence|office|organisme|collectivité|département|région|commune|État)\b"
)
_ACTS = re.compile(
    r"\b(est (?:(?:co)?présidée?|nommée?|désignée?|saisie?|chargée?|composée?)|arrête|décide|signe|fixe|"
    r"approuve|délibère|nomme|préside|assure|établit|transmet)\b",
    re.I,
)
# a passive with its agent: « … est arrêtée par le préfet », « coprésidé par la sous-préfète »
_BY_ACTOR = re.compile(r"\bpar (?:le|la|les|l')\s?(?:sous-|vice-)?" + _ACTOR.pattern.removeprefix(r"\b"))
_DEFINES = re.compile(
    r"\b(on entend par|est défini|sont définis|désigne|s'entend|constitue|a pour objet)\b", re.I
)
_CONDITION = re.compile(
    r"\b(lorsque|lorsqu'|sous réserve|à condition|à défaut|en cas de|si l[ae]s?\b|sauf)\b", re.I
)
_PROCEDURE = re.compile(
    r"\b(selon les modalités|dans les conditions|par décret|par arrêté|après avis|sur proposition)\b", re.I
)
# a place: « se tient à Narbonne », « dans les locaux de la mairie », « Lieu : … »
_PLACE = re.compile(
    r"^(lieu|adresse)\s*:|\b(?:se tien(?:t|nent|dra)|se réuni(?:t|ssent|ra)|a lieu|ont lieu|aura lieu|siège)"
    r"\s+(?:à|au|aux|dans|en)\b|\b(?:dans les locaux|à la salle|à la mairie|à la préfecture)\b",
    re.I,
)
_PERMITS = re.compile(r"\b(peut|peuvent|doit|doivent|est tenue?|sont tenus|est interdit|ne peut)\b", re.I)

# the kinds, in the order a sentence is given one (the first that fits); hints for the prompt
KINDS = {
    "amount": "un montant (Quel est le montant … ?)",
    "rate": "un taux ou une part (Quel taux … ?)",
    "duration": "une durée (Pour quelle durée … ? Combien de temps … ?)",
    "deadline": "un délai ou une échéance (Dans quel délai … ? Jusqu'à quand … ?)",
    "count": "un nombre (Combien de … ?)",
    "date": "une date (Quand … ? À quelle date … ?)",
    "definition": "une définition (Qu'est-ce que … ? Que désigne … ?)",
    "who": "un acteur (Qui … ? Quelle instance … ?)",
    "where": "un lieu (Où … ? Dans quelle commune … ?)",
    "condition": "une condition (À quelle condition … ? Dans quel cas … ?)",
    "procedure": "une procédure (Comment … ? Selon quelle procédure … ?)",
    "yes_no": "une question fermée, à laquelle la phrase répond par oui ou par non (… peut-il … ?)",
    "what": "un contenu (Que prévoit … ? Quelles … ?)",
}


def kind_of(sentence: str) -> str:
    """The first kind of :data:`KINDS` the sentence can answer (« what » when none fits better)."""
    for kind in ("amount", "rate", "duration"):
        if holds_value(kind, sentence):
            return kind
    if _DEADLINE.search(sentence) and DATE.search(sentence):
        return "deadline"
    if holds_value("count", sentence):
        return "count"
    if DATE.search(sentence) and re.search(r"\b\d{1,2}(?:er)?\s+[a-zéû]+\s+\d{4}\b", sentence):
        return "date"
    if _DEFINES.search(sentence):
        return "definition"
    if _ACTOR.search(sentence) and (_ACTS.search(sentence) or _BY_ACTOR.search(sentence)):
        return "who"
    if _PLACE.search(sentence):
        return "where"
    if _CONDITION.search(sentence):
        return "condition"
    if _PROCEDURE.search(sentence):
        return "procedure"
    if _PERMITS.search(sentence):
        return "yes_no"
    return "what"

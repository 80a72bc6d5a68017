"""Questions the indexed texts cannot answer, made by rule from a kept answerable item, each of a
kind a user asks: the same question without its source text indexed, a text named that is not
indexed (another number), a false premise (the text said abrogated), a version after the corpus,
an actor the text does not name."""

from __future__ import annotations

import random
import re

_NAME = re.compile(
    r"^(?P<form>loi|décret|arrêté|ordonnance|circulaire)(?:\s+(?:organique))?"
    r"(?:\s+n°\s*(?P<number>[\d-]+))?(?:\s+du\s+(?P<day>\d{1,2}(?:er)?\s+[a-zéû]+\s+\d{4}))?",
    re.I,
)
_FEMININE = {"loi", "ordonnance", "circulaire"}
_ACTORS = (
    "le préfet",
    "le maire",
    "le président du conseil départemental",
    "le recteur",
    "la caisse d'allocations familiales",
)
_YEAR = re.compile(r"\b(19|20)\d{2}\b")


def text_name(title: str) -> str:
    """« la loi n° 91-662 du 13 juillet 1991 » from a title; "" when it names no legal text."""
    found = _NAME.match(title.strip())
    if not found or not (found.group("number") or found.group("day")):
        return ""
    form = found.group("form").lower()
    article = "la" if form in _FEMININE else "l'" if form[0] in "aeéiou" else "le"
    return (
        f"{article}{'' if article.endswith(chr(39)) else ' '}{found.group(0)[0].lower()}{found.group(0)[1:]}"
    )


def _as_this_text(question: str, name: str) -> str:
    """The question with the text's name (with its article or preposition) read « ce texte »."""
    core = re.escape(name[2:] if name.startswith("l'") else name.split(" ", 1)[1])
    for before, after in (("du ", "de ce texte"), ("au ", "à ce texte"), ("(?:la |le |l')", "ce texte")):
        question = re.sub(rf"\b{before}{core}", after, question, flags=re.I)
    return question


def _of(name: str) -> str:
    """« de la loi … », « du décret … », « de l'arrêté … »."""
    return f"du {name[3:]}" if name.startswith("le ") else f"de {name}"


def _lower_first(question: str) -> str:
    return question[0].lower() + question[1:] if question[:2].istitle() else question


_ABROGATED = re.compile(r"abrog|remplacé|ne (?:sont|est) plus applicable")
NEAR = 300  # characters around a text's name where its abrogation would be said


def said_abrogated(name: str, corpus_text: str) -> bool:
    """The corpus says, near the text's number or date, that a text is abrogated or replaced (« le
    décret n° 2006-1220 … est abrogé »): a premise of abrogation would then be true, not false."""
    found = re.search(r"n°\s*([\d-]+)", name) or re.search(r"du (\d{1,2}(?:er)? [a-zéû]+ \d{4})", name)
    key = found.group(1) if found else name
    for hit in re.finditer(re.escape(key.lower()), corpus_text):
        if _ABROGATED.search(corpus_text[max(0, hit.start() - NEAR) : hit.end() + NEAR]):
            return True
    return False


def variants(item: dict, corpus_text: str, rng: random.Random) -> list[dict]:
    """The unanswerable questions made from ``item`` (a kept answerable item), each with its
    ``variant``; ``corpus_text`` (every indexed text, folded to lower case) says what is absent."""
    question, name = item["question"], text_name(item["title"])
    out = [{"variant": "held_out_document", "question": question, "exclude": item["document"]}]
    if name:
        form = name.split()[0] if not name.startswith("l'") else name[:2]
        number = f"{rng.randint(2016, 2023)}-{rng.randint(100, 1999)}"
        if number not in corpus_text:
            other = re.sub(r"n°\s*[\d-]+", f"n° {number}", name) if "n°" in name else f"{name} (n° {number})"
            asked = question.replace(name[len(form) :].strip(), other[len(form) :].strip())
            if asked == question:
                asked = f"Selon {other}, {_lower_first(question)}"
            out.append({"variant": "text_not_indexed", "question": asked})
        plain = _lower_first(_as_this_text(question, name))
        if not said_abrogated(name, corpus_text):
            out.append({"variant": "false_premise", "question": f"Depuis l'abrogation {_of(name)}, {plain}"})
        year = rng.randint(2031, 2040)
        out.append({"variant": "after_corpus", "question": f"Dans la version de {year} {_of(name)}, {plain}"})
    for actor in rng.sample(_ACTORS, len(_ACTORS)):
        if actor.split(" ", 1)[1] in corpus_text:
            continue
        swapped = re.sub(
            r"\b(le|la|l')\s?(préfet|maire|président|ministre|représentant|directeur)\w*(?: [a-zé']+)?",
            actor,
            question,
            count=1,
            flags=re.I,
        )
        if swapped != question:
            out.append({"variant": "actor_swap", "question": swapped})
        break
    year = _YEAR.search(question.replace(name[2:], "") if name else question)
    if year and str(int(year.group()) + 40) not in corpus_text:
        out.append(
            {
                "variant": "value_swap",
                "question": question.replace(year.group(), str(int(year.group()) + 40), 1),
            }
        )
    return out

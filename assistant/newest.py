"""The newest text wins. Among the best sentences of an answer, the newer text's statement leads
and is named (« Selon le texte le plus récent, le décret n° 2011-628 du 1er juin 2011 : … »), the
older one follows, named too (« Auparavant, le décret n° 2004-1135 du 22 octobre 2004 : … »), when

- two of them come from legal texts of the same form and different dates and disagree
  (:func:`_disagree`: a decree and the one that replaced it give different terms for the same
  office);
- or one comes from a text that the other one's indexed text modifies, abrogates, replaces or
  follows on the same object (:attr:`core.types.Passage.superseded_by`) and they are about the
  same thing;
- or the question asks about the present (« actuellement », « aujourd'hui », « en vigueur »):
  the best sentence of the newest dated document leads.
"""

from __future__ import annotations

import re

from assistant.question import asked_part
from assistant.scoring import Scored
from core.text.dates import french_date
from core.text.legal import FORMS, LEGAL_NAME, own_id
from core.text.numbers import with_digits
from core.text.tokens import tokenize
from core.types import Passage

# a question about the state of things now
PRESENT = re.compile(
    r"\b(actuellement|aujourd'hui|en vigueur|à ce jour|à l'heure actuelle|désormais)\b", re.I
)


def _terms(sentence: str) -> set[str]:
    return {with_digits(t) for t in tokenize(sentence)}


def _about_same(old: str, new: str, least: float, fewest: int = 6) -> bool:
    """Both sentences have ``fewest`` terms or more and the shorter shares ``least`` of its terms
    with the other."""
    to, tn = _terms(old), _terms(new)
    shorter = min(len(to), len(tn))
    return shorter >= fewest and len(to & tn) / shorter >= least


def _disagree(old: str, new: str, least: float) -> bool:
    """About the same thing (:func:`_about_same`), and the older says something the newer does not
    (one of its terms is missing there: « trois ans » / « cinq ans », another office named)."""
    return _about_same(old, new, least) and bool(_terms(old) - _terms(new))


def _legal(p: Passage) -> bool:
    return p.nature in FORMS or bool(LEGAL_NAME.search(p.title))


def spoken_name(p: Passage) -> str:
    """How an answer names the text of ``p``: « le décret n° 2011-628 du 1er juin 2011 », else
    « Titre » (date)."""
    ident = own_id(p.name or p.title)
    if ident:
        return ident.spoken()
    when = f" ({french_date(p.date)})" if p.date else ""
    return f"« {p.title} »{when}"


def asks_present(question: str) -> bool:
    """The question asks about the state of things now (:data:`PRESENT`)."""
    return bool(PRESENT.search(asked_part(question)))


def newest_first(
    question: str, scored: list[Scored], passages: list[Passage], s, window: int = 8
) -> tuple[list[Scored], dict[str, str], set[str]]:
    """``scored`` reordered so that the newer statement leads (with the better score of the two)
    and the older follows it (see module); the words that name them: sentence -> its lead-in
    (« Selon le texte le plus récent, … : », « Auparavant, … : »), empty when nothing changes; and
    the older statement that the newer one replaces (a set of at most one sentence). The top
    sentences are those within ``answer_score_floor`` of the best; two sentences speak of the same
    thing when they share ``newest_similarity`` of their terms; the newer one replaces the older
    only when it holds as many of the question's terms, with its text's title (« les
    administrateurs de l'Agence … » is not answered by another body's decree)."""
    if not scored:
        return scored, {}, set()
    floor, least = s.answer_score_floor, s.newest_similarity
    top = [x for x in scored[:window] if x[0] >= floor * scored[0][0]]
    best = top[0]

    def passage(x: Scored) -> Passage:
        return passages[x[1] - 1]

    asked = _terms(asked_part(question))

    def covers(x: Scored) -> int:
        """How many of the question's terms the sentence and its text's title hold."""
        return len(asked & _terms(f"{passage(x).title} {x[3]}"))

    def replaces(old: Scored, new: Scored) -> bool:
        p_old, p_new = passage(old), passage(new)
        if p_old.source == p_new.source or not p_old.date or not p_new.date or p_new.date <= p_old.date:
            return False
        if covers(new) < covers(old):  # another text's statement on a neighbouring subject
            return False
        if p_old.superseded_by and p_old.superseded_by[1] == p_new.path:
            return _about_same(old[3], new[3], least)
        # without a stated link, a text stands in only for one of its own form: a decree details
        # the law it applies, it does not replace it
        same_form = p_old.nature == p_new.nature and _legal(p_old) and _legal(p_new)
        return same_form and _disagree(old[3], new[3], least)

    for old, new in [(best, x) for x in top[1:]] + [(x, best) for x in top[1:]]:
        if replaces(old, new):
            return (
                _lead(scored, new, old if old is best else None, best),
                {
                    new[3]: f"Selon le texte le plus récent, {spoken_name(passage(new))} :",
                    old[3]: f"Auparavant, {spoken_name(passage(old))} :",
                },
                {old[3]},
            )
    if asks_present(question):  # the best sentence of the newest of the dated documents among the top ones
        dated = [x for x in top if passage(x).date]
        newest = max(dated, key=lambda x: passage(x).date, default=None)
        if newest is not None and any(passage(x).date < passage(newest).date for x in dated):
            lead_in = {newest[3]: f"Selon le texte le plus récent, {spoken_name(passage(newest))} :"}
            if newest is best:
                return scored, lead_in, set()
            return _lead(scored, newest, best, best), lead_in, set()
    return scored, {}, set()


def _lead(scored: list[Scored], lead: Scored, second: Scored | None, best: Scored) -> list[Scored]:
    """``lead`` first with the best score, then ``second`` when given, then the others in order."""
    first = (max(lead[0], best[0]), lead[1], lead[2], lead[3])
    rest = [x for x in scored if x is not lead and x is not second]
    return [first, *([second] if second is not None else []), *rest]


def newest_only(question: str, scored: list[Scored], passages: list[Passage], s) -> list[Scored]:
    """``scored`` with the newer statement first and the older statement it replaces left out: what
    a model is shown, and the sentences quoted under its answer."""
    scored, _, older = newest_first(question, scored, passages, s)
    return [row for row in scored if row[3] not in older]

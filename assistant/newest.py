"""The newest text wins: when two of the best sentences come from legal texts (their titles name a
« Loi / Décret / Arrêté / Circulaire … du <date> ») of different dates and speak
about the same thing yet disagree (a decree and the one that replaced it), the newer statement
leads the answer, naming its text; the older one keeps its place after it."""

from __future__ import annotations

from assistant.scoring import Scored
from core.text.legal import LEGAL_NAME
from core.text.numbers import with_digits
from core.text.tokens import tokenize
from core.types import Passage


def _disagree(old: str, new: str, least: float, fewest: int = 6) -> bool:
    """The two sentences are about the same thing (both have ``fewest`` terms or more, the shorter
    shares ``least`` of its terms with the other) and the older says something the newer does not
    (one of its terms is missing there: « trois ans » / « cinq ans », another office named)."""
    to, tn = {with_digits(t) for t in tokenize(old)}, {with_digits(t) for t in tokenize(new)}
    shorter = min(len(to), len(tn))
    return shorter >= fewest and len(to & tn) / shorter >= least and bool(to - tn)


def newest_first(scored: list[Scored], passages: list[Passage], floor: float, least: float, window: int = 8):
    """``scored`` reordered so that, when the best sentence and another of the top ones come from
    texts of different dates and disagree (:func:`_disagree`), the newer leads (with the better
    score of the two) and the older follows; and (the newer sentence, the title of its text), or
    None when no such pair exists."""
    if not scored:
        return scored, None
    top = [x for x in scored[:window] if x[0] >= floor * scored[0][0]]

    def date_of(x: Scored) -> str:
        return passages[x[1] - 1].date or ""

    best = top[0]
    for old, new in [(best, x) for x in top[1:]] + [(x, best) for x in top[1:]]:
        p_old, p_new = passages[old[1] - 1], passages[new[1] - 1]
        if (
            p_old.source != p_new.source
            and LEGAL_NAME.search(p_old.title)
            and LEGAL_NAME.search(p_new.title)
            and date_of(old)
            and date_of(new) > date_of(old)
            and _disagree(old[3], new[3], least)
        ):
            # the newer statement takes the place (and the score) of the best of the two
            lead = (max(old[0], new[0]), new[1], new[2], new[3])
            rest = [x for x in scored if x is not new and x is not best]
            if old is best:
                rest.insert(0, old)
            return [lead, *rest], (new[3], p_new.title)
    return scored, None

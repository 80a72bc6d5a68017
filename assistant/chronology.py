"""Chronologies asked in the chat (« chronologie », « historique », « étapes », « depuis quand »):
a dated list across the documents, one cited line per date, oldest first.

The dated sentences of the passages are found the way the trainer's workspace builds its timeline
(:func:`assistant.workspace.timeline`), kept when they answer the question well enough (their
score, as for the extractive answer, or half the best of their passage when they share no word with
the question, within ``chronology_score_floor`` of the best dated one), one per date (the best),
and the ``chronology_max_lines`` best are listed in the order of their dates.
"""

from __future__ import annotations

import re

from assistant.extractive import cited_line
from assistant.question import asked_part
from assistant.scoring import score_sentences
from assistant.workspace import TimelineEvent, timeline
from core.settings import Settings
from core.types import Passage
from index.bm25 import Vocabulary

ASKS = re.compile(r"\b(chronologie|historique|étapes|depuis quand)\b", re.I)
# a second question joined to the first: « …, et lors de quelle journée … », « … ? Et qui … »
_SECOND_QUESTION = re.compile(
    r"\?\s*\S|\bet\s+(?:depuis|quand|quel\w*|qui|comment|combien|où|lors|à\s+quel\w*|pour\s+quel\w*)\b", re.I
)
_ENUMERATOR = re.compile(r"^\s*(?:#+\s*|\d{1,2}[.)]\s+)")  # a heading mark, a list number


def asks_chronology(question: str) -> bool:
    """The question asks for a chronology, and for nothing else (a chronology asked with another
    question is one part of it: the usual answer serves both)."""
    asked = asked_part(question)
    return bool(ASKS.search(asked)) and not _SECOND_QUESTION.search(asked)


def chronology_subject(question: str) -> str:
    """What a chronology is of: the question without the words asking for one (« Quelle est la
    chronologie du contrat ? » -> « Quelle est la du contrat ? », about « contrat »)."""
    return " ".join(ASKS.sub(" ", question).split())


def chronology_answer(question: str, passages: list[Passage], vocab: Vocabulary, s: Settings) -> str:
    """The dated list (« - fin octobre 2023 : … [2] »), or "" when fewer than two dates answer."""
    scored: dict[int, list[tuple[float, str]]] = {}  # passage -> its sentences' scores
    for score, n, _, sentence in score_sentences(question, passages, vocab, s):
        scored.setdefault(n, []).append((score, " ".join(sentence.split())))
    best_by_date: dict[tuple, tuple[float, str, int, str]] = {}
    first: dict[tuple[int, str], tuple[int, TimelineEvent]] = {}  # a sentence once, at its first date
    for event in timeline(passages):
        text = _ENUMERATOR.sub("", event.text)
        where = text.lower().find(event.label.lower())
        where = where if where >= 0 else len(text)
        if (event.passage, text) not in first or where < first[(event.passage, text)][0]:
            first[(event.passage, text)] = (where, event)
    for (n, text), (_, event) in first.items():
        sentences = scored.get(n, [])
        score = max((v for v, sentence in sentences if text.strip("…") in sentence), default=0.0)
        score = score or 0.5 * max(
            (v for v, _ in sentences), default=0.0
        )  # a date in a passage on the subject
        if score > 0 and score > best_by_date.get(event.key, (0.0,))[0]:
            best_by_date[event.key] = (score, event.label, event.passage, text)
    if len(best_by_date) < 2:
        return ""
    top = max(v[0] for v in best_by_date.values())
    kept = [(key, v) for key, v in best_by_date.items() if v[0] >= s.chronology_score_floor * top]
    kept = sorted(kept, key=lambda kv: -kv[1][0])[: s.chronology_max_lines]
    if len(kept) < 2:
        return ""
    lines = []
    for _, (_, label, n, text) in sorted(kept, key=lambda kv: kv[0]):
        said = text if label.lower() in text[:40].lower() else f"{label} : {text}"
        lines.append(f"- {cited_line(said, n)}")
    return "\n".join(lines)

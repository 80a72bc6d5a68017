"""Answers made of the passages' own sentences: the extractive answer, and the key sentences
added verbatim under a generated answer."""

from __future__ import annotations

import re

from assistant.scoring import Q_DATE, framing_texts, score_sentences
from core.settings import Settings
from core.text.dates import full_dates
from core.text.sentences import LIST_BULLET
from core.text.tokens import tokenize
from core.types import Passage
from index.bm25 import Vocabulary

_Q_LIST = re.compile(
    r"\b(quels|quelles|lesquel\w*|liste|sujets|thèmes|priorités|axes|champs|instances)\b", re.I
)


def cited_line(sentence: str, n: int) -> str:
    """A passage sentence as an answer line: list marker removed, closing stop, marker [n]."""
    sentence = LIST_BULLET.sub("", sentence).strip()
    if sentence and sentence[-1] not in ".!?…":
        sentence += "."
    return f"{sentence} [{n}]"


def extractive_answer(question: str, passages: list[Passage], vocab: Vocabulary, s: Settings) -> str:
    """The most relevant sentences of the passages, each followed by its marker [n]."""
    scored = score_sentences(question, passages, vocab, s)
    if not scored:
        return ""
    best = scored[0][0]
    is_list = bool(_Q_LIST.search(question))
    limit = s.answer_max_sentences + (s.list_extra_sentences if is_list else 0)
    chosen, length = [], 0
    for score, n, order, sentence in scored:
        if len(chosen) >= limit or (chosen and score < s.answer_score_floor * best):
            break
        if length + len(sentence) > s.answer_max_chars * (1.5 if is_list else 1) and chosen:
            continue
        chosen.append((n, order, sentence))
        length += len(sentence)
    framing = framing_texts(question, scored, [sentence for _, _, sentence in chosen], s.framing_texts_max)
    if framing:
        chosen = chosen[: limit - len(framing)] + framing
    first = {}
    for rank, (n, _, _) in enumerate(chosen):
        first.setdefault(n, rank)
    # « passage »: the passage holding the best sentence first, then reading order within each
    # passage; « score »: the best sentence first (what the first 400 characters show)
    if s.answer_order == "passage":
        chosen.sort(key=lambda x: (first[x[0]], x[1]))
    lines = [cited_line(sentence, n) for n, _, sentence in chosen]
    return "\n".join(f"- {line}" for line in lines) if is_list and len(lines) > 2 else " ".join(lines)


def key_sentences(question: str, answer: str, passages: list[Passage], vocab: Vocabulary, s: Settings) -> str:
    """Sentences of the passages (verbatim, with their markers) to add under a generated answer.

    The best sentence for the question, unless the answer already says it (``key_covered`` of its
    terms); for a « quand / calendrier » question, also the best dated sentences whose dates the
    answer lacks (``key_dates_max``); for « comment … » and « quels textes », the framing legal
    texts it does not name. A small model often paraphrases around the one fact that was asked.
    """
    scored = score_sentences(question, passages, vocab, s)
    said = set(tokenize(answer))
    kept: list[tuple[int, str]] = []
    if scored:
        _, n, _, sentence = scored[0]
        tokens = set(tokenize(sentence))
        if tokens and len(tokens & said) / len(tokens) < s.key_covered:
            kept.append((n, sentence))
    if Q_DATE.search(question):
        dated = 0
        for _, n, _, sentence in scored[:5]:
            dates = full_dates(sentence)
            if dates and not any(d in answer.lower() for d in dates) and dated < s.key_dates_max:
                dated += 1
                if (n, sentence) not in kept:
                    kept.append((n, sentence))
    for n, _, sentence in framing_texts(question, scored, [answer], s.framing_texts_max):
        if (n, sentence) not in kept:
            kept.append((n, sentence))
    return "\n".join(cited_line(sentence, n) for n, sentence in kept)

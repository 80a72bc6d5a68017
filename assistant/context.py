"""The context of an answer: retrieved passages merged with their neighbours, and trimmed for a model."""

from __future__ import annotations

from dataclasses import replace

from assistant.newest import newest_only
from assistant.scoring import framing_texts, part_leads, score_sentences
from core.settings import Settings
from core.text.sentences import LIST_BULLET
from core.types import Passage
from index.bm25 import Vocabulary


def merge_neighbours(passages: list[Passage], extra: list[Passage] = ()) -> list[Passage]:
    """Merge passages that touch in the same document, keeping the better rank.

    ``extra`` passages (the next ranks) are only used to extend a kept passage they touch, so a
    passage reads on into the chunk that follows it without adding a new source.
    """
    merged: list[Passage] = []
    last: list[int] = []  # the last chunk each merged passage covers (its first is its chunk_index)
    for rank, p in enumerate([*passages, *extra]):
        for i, kept in enumerate(merged):
            if kept.doc_id == p.doc_id and p.chunk_index in (kept.chunk_index - 1, last[i] + 1):
                first, second = (kept, p) if kept.start <= p.start else (p, kept)
                gap = second.start - first.end
                text = first.text + ("\n" * gap if gap > 0 else "") + second.text[max(0, -gap) :]
                shift = len(text) - len(second.text)
                starts = [
                    *_starts(first),
                    *((o + shift, pg) for o, pg in _starts(second) if o + shift >= len(first.text)),
                ]
                merged[i] = replace(
                    kept,
                    text=text,
                    start=first.start,
                    end=max(first.end, second.end),
                    page=first.page,
                    page_starts=tuple(starts),
                    heading=first.heading,
                    chunk_index=min(kept.chunk_index, p.chunk_index),
                )
                last[i] = max(last[i], p.chunk_index)
                break
        else:
            if rank < len(passages):
                merged.append(p)
                last.append(p.chunk_index)
    return merged


def _starts(p: Passage) -> list[tuple[int, int]]:
    if p.page_starts:
        return list(p.page_starts)
    return [(0, p.page)] if p.page else []


def answer_context(retrieved: list[Passage], settings: Settings) -> list[Passage]:
    """The passages an answer is written from: the first ``context_k``, extended by their
    neighbours ranked up to ``neighbour_k``."""
    k = settings.context_k
    return merge_neighbours(retrieved[:k], retrieved[k : max(k, settings.neighbour_k)])


def trim_passages(
    question: str, passages: list[Passage], vocab: Vocabulary, settings: Settings
) -> tuple[list[Passage], list[Passage]]:
    """Passages cut down to their most relevant sentences (reading order kept), for a small model's prompt.

    Returns (trimmed, whole): the text sent to the model (``llm_context_chars`` in all,
    ``llm_passage_chars`` per passage), and the same passages whole, in the same order, which
    citations point to (offsets name the whole passage). The framing legal texts of a
    « comment … » question go in first. When a newer text replaces an older one's statement
    (:func:`assistant.newest.newest_first`), the newer statement leads and the older one is left
    out: a small model mixes them, or takes whichever comes first.
    """
    budget, per_passage = settings.llm_context_chars, settings.llm_passage_chars
    scored = score_sentences(question, passages, vocab, settings)
    scored = newest_only(question, scored, passages, settings)
    _, scored = part_leads(question, scored, passages, vocab, settings)  # each part of the question its best
    framing = {sentence for _, _, sentence in framing_texts(question, scored, [], settings.framing_texts_max)}
    scored = sorted(scored, key=lambda row: row[3] not in framing)  # stable: the rest keeps its order
    kept: dict[int, list[tuple[int, str]]] = {}
    used, per = 0, {}
    for _, n, order, sentence in scored:
        if used + len(sentence) > budget:
            continue
        if per.get(n, 0) + len(sentence) > per_passage and per.get(n):
            continue
        kept.setdefault(n, []).append((order, sentence))
        per[n] = per.get(n, 0) + len(sentence)
        used += len(sentence)
    trimmed, whole = [], []
    first_pick = {}
    for rank, (_, n, _, _) in enumerate(scored):
        first_pick.setdefault(n, rank)
    # the passage holding the best sentence comes first: small models lean on extract [1]
    for n, passage in sorted(enumerate(passages, start=1), key=lambda x: first_pick.get(x[0], 10**6)):
        if n in kept:
            lines = (LIST_BULLET.sub("- ", s) for _, s in sorted(kept[n]))  # one sentence or item per line
            trimmed.append(replace(passage, text="\n".join(lines)))
            whole.append(passage)
    return trimmed, whole


def surroundings(document: str, start: int, end: int, chars: int = 600) -> tuple[str, str]:
    """The text before and after ``document[start:end]`` (about ``chars`` characters each), cut at a
    line break where there is one, else at a word: what a reader sees around a cited passage."""
    before = document[max(0, start - chars) : start]
    if start > chars:
        cut = before.find("\n")
        before = before[cut + 1 :] if 0 <= cut < len(before) // 2 else before.split(" ", 1)[-1]
    after = document[end : end + chars]
    if end + chars < len(document):
        cut = after.rfind("\n")
        after = after[:cut] if cut > len(after) // 2 else after.rsplit(" ", 1)[0]
    return before, after

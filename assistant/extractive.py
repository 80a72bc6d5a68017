"""Answers made of the passages' own sentences: the extractive answer, and the key sentences
added verbatim under a generated answer."""

from __future__ import annotations

import math
import re

from assistant.excerpt import excerpt
from assistant.newest import newest_first
from assistant.question import asked_part
from assistant.scoring import Q_DATE, framing_texts, list_intro, part_leads, question_matcher, score_sentences
from core.settings import Settings
from core.text.dates import full_dates
from core.text.near_copy import is_near_copy, words
from core.text.sentences import LIST_BULLET
from core.text.tokens import tokenize
from core.text.values import asked_value, holds_value
from core.types import Passage
from index.bm25 import Vocabulary

# a list is asked by a plural interrogative (« quels … », « quelles … ») or by name (« la liste »)
_Q_LIST = re.compile(r"\b(quels|quelles|lesquel\w*|liste|énumér\w*)\b", re.I)


# « III. ― », « I.- », « 2° - »: the number of a paragraph of a legal text, not part of what it says
_PARAGRAPH_NUMBER = re.compile(r"^(?:[IVXL]{1,5}|\d{1,2}°?)\s*\.?\s*[-―–—]\s*")


# an intro line longer than this is a paragraph, not a list's heading: its items are shown alone
# (a display guard, not fitted: no gold answer depends on it)
_INTRO_CHARS = 160


# a row of a Markdown table (« | Montant annuel | 23 140 € | »), as the loaders write tables
_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$", re.S)


def _body(sentence: str) -> str:
    """A passage sentence without its list marker and paragraph number; a table row as its first
    cell, then the others (« Montant annuel : 23 140 € »)."""
    row = _TABLE_ROW.match(sentence)
    if row:
        first, *rest = [cell.strip() for cell in row.group(1).split("|") if cell.strip()] or [""]
        return f"{first} : {' ; '.join(rest)}" if rest else first
    return _PARAGRAPH_NUMBER.sub("", LIST_BULLET.sub("", sentence).strip()).strip()


def cited_line(sentence: str, n: int) -> str:
    """A passage sentence as an answer line: list marker and paragraph number removed, a capital
    first letter, closing stop, marker [n]."""
    sentence = _body(sentence).rstrip(" ;,:")
    if sentence[:1].islower():  # a list item shown alone reads as a sentence (« Aux élus … »)
        sentence = sentence[0].upper() + sentence[1:]
    if sentence and sentence[-1] not in ".!?…":
        sentence += "."
    return f"{sentence} [{n}]"


def extractive_answer(question: str, passages: list[Passage], vocab: Vocabulary, s: Settings) -> str:
    """The most relevant sentences of the passages, each followed by its marker [n]."""
    scored = score_sentences(question, passages, vocab, s)
    if not scored:
        return ""
    scored, named, _ = newest_first(question, scored, passages, s)
    best = scored[0][0]
    is_list = bool(_Q_LIST.search(asked_part(question)))
    limit = s.answer_max_sentences + (s.list_extra_sentences if is_list else 0)
    leads, scored = part_leads(question, scored, passages, vocab, s)
    quote = _quoter(question, vocab, s)
    chosen, length, weight, said, lists, units = [], 0, {}, [], set(), 0
    for score, n, order, sentence in scored:
        if chosen and score < s.answer_score_floor * best:
            break
        # asked for a list, the items of one list share one answer line (:func:`_with_intros`):
        # they count as one
        intro = _heading(passages[n - 1], order) if is_list else ""
        new_unit = not intro or (n, intro) not in lists
        if units >= limit and new_unit:
            break
        if quote and sentence not in named and not intro and not _TABLE_ROW.match(sentence):
            sentence = quote(sentence)  # a long sentence quoted by its relevant clauses
        if length + len(sentence) > s.answer_max_chars * (1.5 if is_list else 1) and chosen:
            continue
        found = words(_body(sentence))
        if any(is_near_copy(found, other) for other in said):  # the same sentence in two passages
            continue
        said.append(found)
        chosen.append((n, order, sentence))
        units += new_unit
        if intro:
            lists.add((n, intro))
        weight[(n, order)] = score / best if best > 0 else 0.0
        length += len(sentence)
    framing = framing_texts(question, scored, [sentence for _, _, sentence in chosen], s.framing_texts_max)
    if framing:  # room made for them within the limit, the last chosen sentences leaving first
        excess = max(0, units + len(framing) - limit)
        chosen = chosen[: len(chosen) - excess] + framing
    first = {}
    for rank, (n, _, _) in enumerate(chosen):
        first.setdefault(n, rank)
    # « passage »: the passage holding the best sentence first, then reading order within each
    # passage; « score »: best first (what the first 400 characters show)
    if s.answer_order == "passage":
        chosen.sort(key=lambda x: (first[x[0]], x[1]))
    else:  # scores within 5 % of each other keep the passages' order: a tiny change of IDF
        # (one more document in the index) does not reorder the answer
        led = {(n, order): rank for rank, (_, n, order, _) in enumerate(leads)}
        chosen.sort(
            key=lambda x: (
                led.get((x[0], x[1]), len(led)),
                -math.floor(weight.get((x[0], x[1]), 0.0) * 20),
                first[x[0]],
                x[1],
            )
        )
    lines = []
    for n, group in _with_intros(chosen, passages, named):
        if len(group) == 1 and group[0] in named:  # the text that says it named first, as a claim its
            lines.append(cited_line(_named(named[group[0]], group[0]), n))  # passage's title supports
        else:
            lines.append(cited_line(group[0] if len(group) == 1 else _joined(group), n))
    return "\n".join(f"- {line}" for line in lines) if is_list and len(lines) > 2 else " ".join(lines)


def _quoter(question: str, vocab: Vocabulary, s: Settings):
    """How a chosen sentence is shown (:func:`assistant.excerpt.excerpt`): None when excerpts are
    off (``excerpt_chars`` 0), or, with ``excerpt_values_only``, when the question asks no kind of
    value."""
    if s.excerpt_chars <= 0:
        return None
    asks = asked_part(question)
    terms = question_matcher(asks, vocab, s.related_stem)
    if not s.excerpt_values_only:
        return lambda sentence: excerpt(sentence, terms, s.excerpt_chars)
    value = asked_value(asks)
    if value is None:
        return None
    return lambda sentence: excerpt(
        sentence, terms, s.excerpt_chars, holds=lambda text: holds_value(value[0], text)
    )


def _with_intros(chosen, passages: list[Passage], named: dict) -> list[tuple[int, list[str]]]:
    """The chosen sentences as answer lines (passage number, texts): a list item is led by the line
    that introduces its list (« France Travail » says nothing without « Partenaires invités à
    signer : »), and items of one list that follow each other in the answer share one line, in
    reading order (« Signataires obligatoires : le préfet de département ; le président de
    l'EPCI »). An item chosen far below keeps a line of its own: the answer's order is kept. A
    chosen intro line is left out where its items are shown under it."""
    runs: list[tuple[int, str, list[tuple[int, str]]]] = []  # (passage, intro, its items)
    for n, order, sentence in chosen:
        intro = "" if sentence in named else _heading(passages[n - 1], order)
        if intro and runs and runs[-1][:2] == (n, intro):
            runs[-1][2].append((order, sentence))
        else:
            runs.append((n, intro, [(order, sentence)]))
    intros = {intro for _, intro, _ in runs if intro}
    return [
        (n, [intro, *(sentence for _, sentence in sorted(items))] if intro else [items[0][1]])
        for n, intro, items in runs
        if intro or items[0][1] not in intros
    ]


def _heading(passage: Passage, order: int) -> str:
    """The line shown above a list item of the answer (:func:`assistant.scoring.list_intro`); ""
    when it is too long to head a list (a paragraph above: its items stand alone)."""
    intro = list_intro(passage, order)
    return intro if len(intro) <= _INTRO_CHARS else ""


def _joined(group: list[str]) -> str:
    """« Intro : item ; item » from an intro line and its items."""
    items = (_body(sentence).rstrip(" ;,.:") for sentence in group[1:])
    return f"{group[0].rstrip(' :?')} : {' ; '.join(items)}"


def _named(lead_in: str, sentence: str) -> str:
    """« Selon …, le décret n° … : le secrétariat … »: the sentence after the words naming its text."""
    body = _body(sentence)
    if len(body) > 1 and body[0].isupper() and body[1].islower():
        body = body[0].lower() + body[1:]
    return f"{lead_in} {body}"


def key_sentences(
    question: str, answer: str, passages: list[Passage], vocab: Vocabulary, s: Settings
) -> tuple[str, str]:
    """What to put around a generated answer, from the passages' own sentences (with their markers):
    (the line to put before it, the lines to add under it).

    Before it: the newest text's statement, named (« Selon le texte le plus récent, le décret … :
    … [n] »), when a newer text replaces an older one's statement or the question asks about now
    (:func:`assistant.newest.newest_first`); "" otherwise. Under it, verbatim, the older statement
    left out: the best sentence for the question, unless the answer (or that line) already says it
    (``key_covered`` of its terms); for a « quand / calendrier » question, also the best dated
    sentences whose dates the answer lacks (``key_dates_max``); for « comment … » and « quels
    textes », the framing legal texts it does not name. A small model often paraphrases around the
    one fact that was asked.
    """
    scored, named, older = newest_first(question, score_sentences(question, passages, vocab, s), passages, s)
    lead = ""
    if scored and scored[0][3] in named:
        _, n, _, sentence = scored[0]
        lead = cited_line(_named(named[sentence], sentence), n)
    scored = [row for row in scored if row[3] not in older]
    answer = f"{lead}\n{answer}" if lead else answer
    said = set(tokenize(answer))
    kept: list[tuple[int, str]] = []
    if scored:
        _, n, _, sentence = scored[0]
        tokens = set(tokenize(sentence))
        if tokens and len(tokens & said) / len(tokens) < s.key_covered:
            kept.append((n, sentence))
    if Q_DATE.search(asked_part(question)):
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
    return lead, "\n".join(cited_line(sentence, n) for n, sentence in kept)

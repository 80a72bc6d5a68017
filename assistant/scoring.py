"""Sentence scoring: which sentences of the passages answer the question, best first.

A sentence scores by the question's terms it holds (IDF-weighted, :class:`index.bm25.Vocabulary`),
those of its context (title, heading, the line that introduces its list, the line it continues),
and a bonus when it holds the kind of value asked (a date, a name, a place, a definition, a
dated legal text). The weights are settings (``scoring`` group of docs/settings.md).
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.question import asked_part, content_terms, question_parts
from assistant.ranker import load_ranker
from assistant.reader import probability, read, reader_input
from core.settings import Settings
from core.text.dates import DATE, full_dates
from core.text.furniture import is_furniture
from core.text.instructions import addresses_assistant
from core.text.sentences import HEADING_MARK, LIST_BULLET, is_fragment, sentence_spans
from core.text.tokens import same_prefix, tokenize
from core.text.values import asked_noun, asked_value, counts_word, holds_value
from core.types import Passage
from index.bm25 import Vocabulary

_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-ZÀ-Ý][\wà-ÿ'-]+(?:\s+[A-ZÀ-Ý][\wà-ÿ'-]+)+")
Q_DATE = re.compile(
    r"\b(quand|date|dates|calendrier|échéance|période|jusqu'à quand|à partir de quand|délai)\b", re.I
)
_Q_WHO = re.compile(r"\bqui\b", re.I)
# « où », or an interrogative before a noun of place (« dans quelle commune », « à quel endroit »)
_Q_WHERE = re.compile(
    r"\b(où|lieux?|adresses?)\b"
    r"|\bquel(?:le)?s?\s+(?:ville|commune|endroit|salle|département|région|territoire|pays)s?\b",
    re.I,
)
_Q_TEXTS = re.compile(
    r"\b(textes?|références?|cadre (légal|juridique|réglementaire)|quelle loi|quelles lois)\b", re.I
)
_Q_HOW = re.compile(
    r"^\s*comment\b", re.I
)  # « comment mobiliser … » : the texts that frame it are part of the answer
_LEGAL = re.compile(r"\b(circulaire|loi|décret|instruction|arrêté|ordonnance)\b", re.I)
_ANAPHOR = re.compile(
    r"^(?:il|elle|ils|elles|ce|cet|cette|ces|celui-ci|celle-ci|ceux-ci|celles-ci|leurs?|son|sa|ses)\b", re.I
)
_Q_DEFINE = re.compile(
    r"qu'est-ce qu|qu['’]appelle|que (signifie|désigne|recouvre)|définition|qu['’]entend|c'est quoi", re.I
)
_DEFINES = re.compile(
    r"\b(désigne|désignent|signifie|on appelle|correspond à|recouvre|se définit|est l['’]ensemble)\b", re.I
)
_PLACE = re.compile(r"^(lieu|adresse)\s*:|\b(à|au)\s+[A-ZÀ-Ý][a-zà-ÿ]+", re.I)

Scored = tuple[float, int, int, str]  # (score, passage number from 1, order in the passage, sentence)


def _list_intros(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """For each sentence, the line that introduces its list, if any: a line ending with ':', or a
    Markdown heading right above the items (« ## À qui s'adresse le cycle ? »). A plain short line
    above a list is not taken for one: slides put a label above every line."""
    intros, current, before = [], "", ""
    for i, (s, e) in enumerate(spans):
        sentence = text[s:e]
        line_start = text.rfind("\n", 0, s) + 1
        if s == line_start and not LIST_BULLET.match(sentence) and not sentence.rstrip().endswith(":"):
            current = ""  # a plain line ends the list
        intros.append(current)
        if sentence.rstrip().endswith(":"):
            # « Ses principales caractéristiques : » is introduced by the sentence before it
            current = f"{before} {sentence}" if _ANAPHOR.match(sentence) else sentence
        elif _heads_list(text, spans, i):
            current = HEADING_MARK.sub("", sentence).strip()
        before = sentence
    return intros


def _heads_list(text: str, spans: list[tuple[int, int]], i: int) -> bool:
    """Sentence ``i`` is a Markdown heading (a line of its own) right above a list item."""
    s, e = spans[i]
    sentence = text[s:e].strip()
    return bool(
        i + 1 < len(spans)
        and sentence
        and (s == 0 or text[s - 1] == "\n")
        and (e == len(text) or text[e] == "\n")
        and HEADING_MARK.match(sentence)
        and LIST_BULLET.match(text[slice(*spans[i + 1])])
    )


@lru_cache(maxsize=256)
def _sentences(text: str) -> tuple[tuple[tuple[int, int], ...], tuple[str, ...]]:
    """A passage's sentence spans and, for each, the line introducing its list (:func:`_list_intros`):
    read once per passage text, though an answer scores the same passages several times."""
    spans = sentence_spans(text)
    return tuple(spans), tuple(_list_intros(text, spans))


def list_intro(passage: Passage, order: int) -> str:
    """The line introducing the list whose item is sentence ``order`` of the passage (« Signataires
    obligatoires : » for « - le président de l'EPCI ; »), one line; "" when it is no list item."""
    spans, intros = _sentences(passage.text)
    if not 0 <= order < len(spans) or not LIST_BULLET.match(passage.text[slice(*spans[order])]):
        return ""
    return " ".join(intros[order].split())


def _skippable(sentence: str, holds_asked: bool = False) -> bool:
    """Headings, labels, links, orders given to an assistant and the text's furniture (its title
    line, source, NOR, page numbers: :func:`core.text.furniture.is_furniture`) are not answers; nor is a line
    introducing a list, unless it holds the value asked (« … un conseil de vingt membres qui
    comprend : » answers « combien de membres »)."""
    letters = [c for c in sentence if c.isalpha()]
    shouting = len(letters) > 8 and sum(c.isupper() for c in letters) > 0.7 * len(letters)
    return (
        sentence.startswith("#")
        or is_fragment(sentence)
        or (sentence.rstrip().endswith(":") and not holds_asked)
        or "http" in sentence
        or (shouting and not DATE.search(sentence))
        or addresses_assistant(sentence)
        or is_furniture(sentence)
    )


def question_matcher(question: str, vocab: Vocabulary, related: float):
    """Weighted share of the question's terms (:func:`content_terms`, IDF-weighted) a token set
    holds; a term whose stem differs but shares its first 6 letters (« priorités » /
    « prioritaires ») counts for ``related``."""
    weights = {t: vocab.idf(t) for t in content_terms(question)}
    norm = sum(weights.values()) or 1.0

    def match(tokens: set[str]) -> float:
        total = 0.0
        for term, weight in weights.items():
            if term in tokens:
                total += weight
            elif any(same_prefix(term, t) for t in tokens):
                total += related * weight
        return total / norm

    return match


def _continues_item(text: str, start: int) -> bool:
    """The sentence opens a plain line right under a list item (« Lieu : ... » under « - Journée n°2 »)."""
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip() or line_start == 0 or LIST_BULLET.match(text[start : start + 4]):
        return False
    prev_start = text.rfind("\n", 0, line_start - 1) + 1
    return bool(LIST_BULLET.match(text[prev_start:line_start]))


def asks_for_texts(question: str) -> bool:
    """« quels textes … » or « comment … »: the legal texts that frame the practice are part of the answer."""
    return bool(_Q_TEXTS.search(question) or _Q_HOW.search(question))


def sentence_features(question: str, passages: list[Passage], vocab: Vocabulary, s: Settings):
    """(features, passage number, order in passage, sentence) for every useful sentence (each
    sentence once, with the features of its best-ranked passage). The features are
    :data:`assistant.ranker.FEATURES`, in order."""
    match = question_matcher(question, vocab, s.related_stem)
    asked = set(tokenize(question))
    asks = asked_part(question)
    value = asked_value(asks)
    noun = asked_noun(value[1]) if value and value[0] == "count" else None
    q_date, q_who, q_where = bool(Q_DATE.search(asks)), bool(_Q_WHO.search(asks)), bool(_Q_WHERE.search(asks))
    q_define, q_texts = bool(_Q_DEFINE.search(asks)), asks_for_texts(asks)
    out: dict[str, tuple] = {}
    for n, passage in enumerate(passages, start=1):
        head = set(tokenize(f"{passage.title} {passage.heading}"))
        previous, before = set(), set()
        for order, ((start, end), intro) in enumerate(zip(*_sentences(passage.text), strict=True)):
            sentence = " ".join(passage.text[start:end].split())  # a sentence wrapped over lines reads as one
            tokens = set(tokenize(sentence))
            continues = previous if _continues_item(passage.text, start) else set()
            if _ANAPHOR.match(LIST_BULLET.sub("", sentence)):
                continues = continues | before  # « Il est coprésidé par ... » is about the sentence before
            previous = before = tokens
            counts = noun is not None and counts_word(sentence, noun)
            if _skippable(sentence, counts) or sentence in out:
                continue
            around = (head | set(tokenize(intro)) | continues) - tokens
            novelty = len(tokens - asked) / len(tokens) if tokens else 0.0
            features = (
                match(tokens),
                float(novelty < s.echo_novelty),
                match(around),
                match(set(tokenize(intro)) - tokens) if intro else 0.0,
                float(q_date and bool(DATE.search(sentence))),
                float((q_who or q_where) and bool(_NAME.search(sentence))),
                float(q_where and bool(_PLACE.search(sentence))),
                float(q_define and bool(_DEFINES.search(sentence))),
                float(q_texts and bool(_LEGAL.search(sentence) and DATE.search(sentence))),
                1.0 / n,
                float(value is not None and holds_value(value[0], sentence)),
                float(order == 0),
                min(len(sentence), 400) / 400,
                float(bool(LIST_BULLET.match(passage.text[start:end]))),
                float(sentence.rstrip().endswith("?")),
                float(counts),
            )
            out[sentence] = (features, n, order, sentence)
    return list(out.values())


def rule_score(f: tuple, s: Settings) -> float:
    """The hand-set linear score (the settings' weights): what ranks sentences without a learned ranker."""
    lexical, echo, around, intro, date, name, place, define, legal, rank, value = f[:11]
    counts_asked = f[15]
    return (
        lexical * (s.echo_factor if echo else 1.0)
        + s.context_weight * around
        + s.list_intro_weight * intro
        + s.date_bonus * date
        + s.name_bonus * name
        + s.place_bonus * place
        + s.definition_bonus * define
        + s.legal_text_bonus * legal
        + s.rank_bonus * rank
        + s.value_bonus * value
        + s.count_bonus * counts_asked
    )


def score_sentences(question: str, passages: list[Passage], vocab: Vocabulary, s: Settings) -> list[Scored]:
    """(score, passage number, order in passage, sentence) for every useful sentence, best first:
    with ``sentence_ranker=reader`` the trained reader's probability (:mod:`assistant.reader`) for
    the :func:`reader_candidates` only; with ``learned`` the logistic ranker's (:mod:`assistant.ranker`);
    with ``rules``, :func:`rule_score`. A sentence that only echoes the question (a title restating it) is worth
    less than one that adds information."""
    rows = sentence_features(question, passages, vocab, s)
    if s.sentence_ranker == "reader":
        return _read(question, rows, passages, s)
    ranker = load_ranker() if s.sentence_ranker == "learned" else None
    scored = [
        (ranker.probability(f, rule_score(f, s)) if ranker else rule_score(f, s), n, order, sentence)
        for f, n, order, sentence in rows
    ]
    return sorted(scored, key=lambda x: -x[0])


def reader_candidates(rows, passages: list[Passage], s: Settings):
    """The sentences the reader reads, of the :func:`sentence_features` ``rows``, as (features,
    passage number, order, sentence, reader input): the ``reader_max_sentences`` best by
    :func:`rule_score` (a cheap first cut)."""
    rows = sorted(rows, key=lambda row: -rule_score(row[0], s))[: s.reader_max_sentences]
    out = []
    for features, n, order, sentence in rows:
        passage = passages[n - 1]
        text = reader_input(sentence, list_intro(passage, order), passage.heading, passage.title)
        out.append((features, n, order, sentence, text))
    return out


def _read(question: str, rows, passages: list[Passage], s: Settings) -> list[Scored]:
    candidates = reader_candidates(rows, passages, s)
    features = [(*c[0], rule_score(c[0], s)) for c in candidates]  # and the rules' score
    scores = read(question, [c[4] for c in candidates], features, s)
    scored = [
        (probability(z), n, order, sentence)
        for z, (_, n, order, sentence, _) in zip(scores, candidates, strict=True)
    ]
    return sorted(scored, key=lambda x: -x[0])


def part_leads(
    question: str, scored: list[Scored], passages: list[Passage], vocab: Vocabulary, s: Settings
) -> tuple[list[Scored], list[Scored]]:
    """For a question that asks several things (:func:`assistant.question.question_parts`), the
    best sentence for each part, in the question's order: « qui a écrit le guide, et quand
    est-il paru ? » leads with the author, then the date, rather than two sentences on the
    author. A sentence is scored for a part by the sum of its scores for the whole question and for
    the part (each over its best; the whole's weighted by ``part_whole_weight``), since a part
    (« quand est-il paru ») leaves its subject to the rest. Returns (the leads, ``scored`` with the
    leads first); ([], ``scored``) for a question asking one thing."""
    parts = question_parts(asked_part(question))
    if len(parts) < 2 or not scored or scored[0][0] <= 0:
        return [], scored
    whole = {(row[1], row[2]): row for row in scored}
    leads: list[Scored] = []
    for part in parts:
        rows = [row for row in score_sentences(part, passages, vocab, s) if (row[1], row[2]) in whole]
        if not rows or rows[0][0] <= 0:
            continue
        top = rows[0][0]
        _, n, order, _ = max(
            rows, key=lambda r: s.part_whole_weight * whole[(r[1], r[2])][0] / scored[0][0] + r[0] / top
        )
        if whole[(n, order)] not in leads:
            leads.append(whole[(n, order)])
    return leads, leads + [row for row in scored if row not in leads]


def framing_texts(
    question: str, scored: list[Scored], said: list[str], most: int
) -> list[tuple[int, int, str]]:
    """For « comment … » and « quels textes » questions, the best legal texts of the passages with
    a full date (« la circulaire du 26 mars 2014 … ») when the text already ``said`` names none:
    the texts that frame the practice are part of the answer even when their wording shares
    little with the question."""

    def framing(sentence: str) -> bool:
        return bool(_LEGAL.search(sentence) and full_dates(sentence))

    if not asks_for_texts(asked_part(question)) or any(framing(text) for text in said):
        return []
    return [(n, order, sentence) for _, n, order, sentence in scored if framing(sentence)][:most]

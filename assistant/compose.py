"""From passages to a cited answer: context selection, extractive answers, prompts, citations."""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from assistant.evidence import DATE, Vocabulary, content_terms, full_dates
from assistant.types import Citation, Passage
from index.bm25 import tokenize
from ingest.split import is_fragment, sentence_spans
from prompts import load_prompt

REFUSAL = load_prompt("refusal").strip()
_MARKERS = re.compile(r"\[(\d{1,2}(?:\s*[,;]\s*\d{1,2})*)\]")
_REFUSAL_HINT = re.compile(r"je ne (trouve|dispose|peux|sais)|ne (contiennent|permettent|mentionnent) pas|aucune information", re.I)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-ZÀ-Ý][\wà-ÿ'-]+(?:\s+[A-ZÀ-Ý][\wà-ÿ'-]+)+")
_Q_DATE = re.compile(r"\b(quand|date|dates|calendrier|échéance|période|jusqu'à quand|à partir de quand|délai)\b", re.I)
_Q_WHO = re.compile(r"\b(qui|quel consultant|quel cabinet|quelle personne|présid\w*|anim\w*)\b", re.I)
_Q_WHERE = re.compile(r"\b(où|lieu|quelle ville|quels territoires|sur quels territoires)\b", re.I)
_Q_TEXTS = re.compile(r"\b(textes?|références?|cadre (légal|juridique|réglementaire)|quelle loi|quelles lois)\b", re.I)
_Q_HOW = re.compile(r"^\s*comment\b", re.I)  # « comment mobiliser … » : the texts that frame it are part of the answer
_LEGAL = re.compile(r"\b(circulaire|loi|décret|instruction|arrêté|ordonnance)\b", re.I)
_LIST_LINE = re.compile(r"^\s*(?:[-*•–·▪↳]\s*)+")
_ANAPHOR = re.compile(r"^(?:il|elle|ils|elles|ce|cet|cette|ces|celui-ci|celle-ci|ceux-ci|celles-ci|leurs?|son|sa|ses)\b", re.I)
_Q_DEFINE = re.compile(r"qu'est-ce qu|qu['’]appelle|que (signifie|désigne|recouvre)|définition|qu['’]entend|c'est quoi", re.I)
_DEFINES = re.compile(r"\b(désigne|désignent|signifie|on appelle|correspond à|recouvre|se définit|est l['’]ensemble)\b", re.I)
_PLACE = re.compile(r"^(lieu|adresse)\s*:|\b(à|au)\s+[A-ZÀ-Ý][a-zà-ÿ]+", re.I)
_Q_LIST = re.compile(r"\b(quels|quelles|lesquel\w*|liste|sujets|thèmes|priorités|axes|champs|instances)\b", re.I)


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
                text = first.text + ("\n" * gap if gap > 0 else "") + second.text[max(0, -gap):]
                merged[i] = replace(kept, text=text, start=first.start, end=max(first.end, second.end),
                                    page=first.page, heading=first.heading,
                                    chunk_index=min(kept.chunk_index, p.chunk_index))
                last[i] = max(last[i], p.chunk_index)
                break
        else:
            if rank < len(passages):
                merged.append(p)
                last.append(p.chunk_index)
    return merged


def _answer_type_bonus(question: str, sentence: str) -> float:
    bonus = 0.0
    if _Q_DATE.search(question) and DATE.search(sentence):
        bonus += 0.35
    if (_Q_WHO.search(question) or _Q_WHERE.search(question)) and _NAME.search(sentence):
        bonus += 0.2
    if _Q_WHERE.search(question) and _PLACE.search(sentence):
        bonus += 0.2
    if _Q_DEFINE.search(question) and _DEFINES.search(sentence):
        bonus += 0.3
    return bonus


def _list_intros(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """For each sentence, the line ending with ':' that introduces its list, if any."""
    intros, current, before = [], "", ""
    for s, e in spans:
        line_start = text.rfind("\n", 0, s) + 1
        if s == line_start and not _LIST_LINE.match(text[s:e]) and not text[s:e].rstrip().endswith(":"):
            current = ""  # a plain line ends the list
        intros.append(current)
        if text[s:e].rstrip().endswith(":"):
            # « Ses principales caractéristiques : » is introduced by the sentence before it
            current = f"{before} {text[s:e]}" if _ANAPHOR.match(text[s:e]) else text[s:e]
        before = text[s:e]
    return intros


def _skippable(sentence: str) -> bool:
    """Headings, labels and links are not answers."""
    letters = [c for c in sentence if c.isalpha()]
    shouting = len(letters) > 8 and sum(c.isupper() for c in letters) > 0.7 * len(letters)
    return (sentence.startswith("#") or is_fragment(sentence) or sentence.rstrip().endswith(":") or "http" in sentence
            or (shouting and not DATE.search(sentence)))


def _matcher(weights: dict[str, float]):
    """Weighted share of the question's terms a token set holds; a term whose stem differs but
    shares its first 6 letters (« priorités » / « prioritaires ») counts for 0.7."""
    norm = sum(weights.values()) or 1.0

    def match(tokens: set[str]) -> float:
        total = 0.0
        for term, weight in weights.items():
            if term in tokens:
                total += weight
            elif len(term) >= 6 and any(len(t) >= 6 and t[:6] == term[:6] for t in tokens):
                total += 0.7 * weight
        return total / norm

    return match


def _continues_item(text: str, start: int) -> bool:
    """The sentence opens a plain line right under a list item (« Lieu : ... » under « - Journée n°2 »)."""
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip() or line_start == 0 or _LIST_LINE.match(text[start:start + 4]):
        return False
    prev_start = text.rfind("\n", 0, line_start - 1) + 1
    return bool(_LIST_LINE.match(text[prev_start:line_start]))


def _asks_for_texts(question: str) -> bool:
    """« quels textes … » or « comment … »: the legal texts that frame the practice are part of the answer."""
    return bool(_Q_TEXTS.search(question) or _Q_HOW.search(question))


def _legal_bonus(question: str, sentence: str) -> float:
    if _asks_for_texts(question) and _LEGAL.search(sentence) and DATE.search(sentence):
        return 0.6
    return 0.0


def score_sentences(question: str, passages: list[Passage], vocab: Vocabulary) -> list[tuple[float, int, int, str]]:
    """(score, passage number, order in passage, sentence) for every useful sentence, best first.

    A sentence scores by the question terms it holds (IDF-weighted), those of its context
    (title, heading, the line that introduces its list, the line it continues), and a bonus
    when it holds the kind of value asked (a date, a name, a legal text). A sentence that only
    echoes the question (a title restating it) is worth less than one that adds information.
    """
    terms = content_terms(question)
    weights = {t: vocab.idf(t) for t in terms}
    match = _matcher(weights)
    asked = set(tokenize(question))
    best: dict[str, tuple[float, int, int, str]] = {}
    for n, passage in enumerate(passages, start=1):
        head = set(tokenize(f"{passage.title} {passage.heading}"))
        spans = sentence_spans(passage.text)
        previous, before = set(), set()
        for order, ((s, e), intro) in enumerate(zip(spans, _list_intros(passage.text, spans))):
            raw = passage.text[s:e]
            sentence = " ".join(raw.split())  # a sentence wrapped over lines reads as one
            tokens = set(tokenize(sentence))
            continues = previous if _continues_item(passage.text, s) else set()
            if _ANAPHOR.match(_LIST_LINE.sub("", sentence)):
                continues = continues | before  # « Il est coprésidé par ... » is about the sentence before
            previous = before = tokens
            if _skippable(sentence):
                continue
            around = (head | set(tokenize(intro)) | continues) - tokens
            lexical = match(tokens)
            novelty = len(tokens - asked) / len(tokens) if tokens else 0.0
            echo = 0.6 if novelty < 0.35 else 1.0
            introduced = match(set(tokenize(intro)) - tokens) if intro else 0.0
            score = (lexical * echo + 0.4 * match(around) + 0.6 * introduced + _answer_type_bonus(question, sentence)
                     + _legal_bonus(question, sentence) + 0.1 / n)
            if sentence not in best or best[sentence][0] < score:
                best[sentence] = (score, n, order, sentence)
    return sorted(best.values(), key=lambda x: -x[0])


def trim_passages(question: str, passages: list[Passage], vocab: Vocabulary, budget: int = 2200,
                  per_passage: int = 700) -> tuple[list[Passage], list[Passage]]:
    """Passages cut down to their most relevant sentences (reading order kept), for a small LLM prompt.

    Returns (trimmed, whole): the text sent to the model, and the same passages whole, in the
    same order, which citations point to (offsets name the whole passage). The framing legal
    texts of a « comment … » question (``_framing_texts``) go in first.
    """
    scored = score_sentences(question, passages, vocab)
    framing = {sentence for _, _, sentence in _framing_texts(question, scored, said=[])}
    scored = sorted(scored, key=lambda row: row[3] not in framing)  # stable: the rest keeps its order
    kept: dict[int, list[tuple[int, str]]] = {}
    used, per = 0, {}
    for score, n, order, sentence in scored:
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
            lines = (_LIST_LINE.sub("- ", s) for _, s in sorted(kept[n]))  # one sentence or item per line
            trimmed.append(replace(passage, text="\n".join(lines)))
            whole.append(passage)
    return trimmed, whole


def _framing_texts(question: str, scored: list, said: list[str], most: int = 2) -> list[tuple[int, int, str]]:
    """For « comment … » and « quels textes » questions, the best legal texts of the passages with
    a full date (« la circulaire du 26 mars 2014 … ») when the text already ``said`` names none:
    the texts that frame the practice are part of the answer even when their wording shares
    little with the question."""
    def framing(sentence: str) -> bool:
        return bool(_LEGAL.search(sentence) and full_dates(sentence))

    if not _asks_for_texts(question) or any(framing(text) for text in said):
        return []
    return [(n, order, sentence) for _, n, order, sentence in scored if framing(sentence)][:most]


def _cited(sentence: str, n: int) -> str:
    """A passage sentence as an answer line: list marker removed, closing stop, marker [n]."""
    sentence = _LIST_LINE.sub("", sentence).strip()
    if sentence and sentence[-1] not in ".!?…":
        sentence += "."
    return f"{sentence} [{n}]"


def extractive_answer(question: str, passages: list[Passage], vocab: Vocabulary, max_sentences: int = 8,
                      max_chars: int = 1200) -> str:
    """The most relevant sentences of the passages, each followed by its marker [n]."""
    scored = score_sentences(question, passages, vocab)
    if not scored:
        return ""
    best = scored[0][0]
    is_list = bool(_Q_LIST.search(question))
    limit = max_sentences + (2 if is_list else 0)
    chosen, length = [], 0
    for score, n, order, sentence in scored:
        if len(chosen) >= limit or (chosen and score < 0.3 * best):
            break
        if length + len(sentence) > max_chars * (1.5 if is_list else 1) and chosen:
            continue
        chosen.append((n, order, sentence))
        length += len(sentence)
    framing = _framing_texts(question, scored, said=[sentence for _, _, sentence in chosen])
    if framing:
        chosen = chosen[:limit - len(framing)] + framing
    first = {}
    for rank, (n, _, _) in enumerate(chosen):
        first.setdefault(n, rank)
    # the passage holding the best sentence first, then reading order within each passage
    chosen.sort(key=lambda x: (first[x[0]], x[1]))
    lines = [_cited(sentence, n) for n, _, sentence in chosen]
    return "\n".join(f"- {line}" for line in lines) if is_list and len(lines) > 2 else " ".join(lines)


def build_messages(question: str, passages: list[Passage], history: list[dict] | None = None) -> list[dict]:
    template = load_prompt("passage")
    blocks = [template.format(n=n, title=_attr(p.title), page=f' page="{p.page}"' if p.page else "",
                              text=_neutralise(p.text)).strip()
              for n, p in enumerate(passages, start=1)]
    user = load_prompt("answer").format(passages="\n\n".join(blocks), question=question.strip())
    return [{"role": "system", "content": load_prompt("system").strip()}, {"role": "user", "content": user}]


def _attr(text: str) -> str:
    return text.replace('"', "'").replace("<", "‹").replace(">", "›")[:120]


def _neutralise(text: str) -> str:
    """Passages cannot close their own delimiter or forge citation markers."""
    text = re.sub(r"</?\s*extrait[^>]*>", "", text, flags=re.I)
    return _MARKERS.sub(lambda m: f"({m.group(1)})", text)


def key_sentences(question: str, answer: str, passages: list[Passage], vocab: Vocabulary, most_dates: int = 3,
                  covered: float = 0.8) -> str:
    """Sentences of the passages (verbatim, with their markers) to add under a generated answer.

    The best sentence for the question, unless the answer already says it (``covered`` of its
    terms); for a « quand / calendrier » question, also the best dated sentences whose dates the
    answer lacks; for « comment … » and « quels textes », the framing legal texts it does not
    name. A small model often paraphrases around the one fact that was asked.
    """
    scored = score_sentences(question, passages, vocab)
    said = set(tokenize(answer))
    kept: list[tuple[int, str]] = []
    if scored:
        _, n, _, sentence = scored[0]
        tokens = set(tokenize(sentence))
        if tokens and len(tokens & said) / len(tokens) < covered:
            kept.append((n, sentence))
    if _Q_DATE.search(question):
        dated = 0
        for _, n, _, sentence in scored[:5]:
            dates = full_dates(sentence)
            if dates and not any(d in answer.lower() for d in dates) and dated < most_dates:
                dated += 1
                if (n, sentence) not in kept:
                    kept.append((n, sentence))
    for n, _, sentence in _framing_texts(question, scored, said=[answer]):
        if (n, sentence) not in kept:
            kept.append((n, sentence))
    return "\n".join(_cited(sentence, n) for n, sentence in kept)


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL_HINT.search(text[:200]))


def _split_answer(text: str) -> list[list[str]]:
    """Lines of a generated answer, each a list of sentences with the markers that end them.

    A marker written before the final stop (« ... 2024 [1]. ») is moved after it. A fragment
    (``is_fragment``) goes with the sentence it follows or opens, as in ``sentence_spans``.
    """
    lines = []
    text = re.sub(r"\[\s*extrait[^\]]*\]|</?\s*extrait[^>]*>", "", text, flags=re.I)  # echoed delimiters
    for line in text.strip().splitlines():
        line = re.sub(r"^\s*(?:\d{1,2}[.)]|[-*•])\s+", "- ", line)  # list items keep a dash, not a number
        line = re.sub(r"\s*((?:\[\d{1,2}(?:\s*[,;]\s*\d{1,2})*\]\s*)+)([.!?…])(?=\s|$)", r"\2 \1", line.strip())
        parts = re.split(r"(?<=[.!?…])((?:\s*\[\d{1,2}(?:\s*[,;]\s*\d{1,2})*\])*)(?:\s+|$)", line)
        sentences: list[str] = []
        for i in range(0, len(parts), 2):
            sentence = (parts[i] + (parts[i + 1] if i + 1 < len(parts) else "")).strip()
            if not sentence:
                continue
            if sentences and not _MARKERS.search(sentences[-1]) and (
                    is_fragment(_MARKERS.sub("", sentence)) or is_fragment(sentences[-1])):
                sentences[-1] += " " + sentence  # « ... septembre 2016. 112 p. [1] » is one claim
            else:
                sentences.append(sentence)
        if sentences:
            lines.append(sentences)
    return lines


def _supports(sentence: str, passage: Passage) -> float:
    tokens = set(tokenize(_MARKERS.sub("", sentence)))
    if not tokens:
        return 0.0
    return len(tokens & set(tokenize(passage.text + " " + passage.title))) / len(tokens)


def _facts(sentence: str) -> set[str]:
    """Dates and numbers a sentence asserts, normalised (« 31 mars 2024 », « 147 »)."""
    text = _MARKERS.sub("", sentence).lower()
    found = {" ".join(m.group(0).split()) for m in DATE.finditer(text)}
    found |= {n.replace(" ", "").replace("\u00a0", "") for n in re.findall(r"\b\d[\d \u00a0]*\d\b|\b\d\b", text)}
    return found


def _fact_in(fact: str, text: str) -> bool:
    """``text`` lower-cased with single spaces; numbers compare without their thousands spaces."""
    if fact.isdigit():
        return fact in text.replace(" ", "").replace("\u00a0", "")
    return fact in text


@lru_cache(maxsize=64)
def _sentences(text: str) -> tuple[str, ...]:
    """A passage's sentences; ``finalize`` checks several claims against the same passages."""
    return tuple(text[s:e] for s, e in sentence_spans(text))


def _states_facts(body: str, facts: set[str], passage: Passage, least: float = 0.4) -> bool:
    """Every date and number of the claim is stated by the passage *about what the claim says*:
    in a sentence which, with its neighbours and the passage's title, holds at least ``least``
    of the claim's other terms. « La dernière journée se déroula le 24 septembre » is not
    supported by « Vous ne pouvez vous inscrire que pour la journée du 24 septembre » just
    because the passage holds that date somewhere."""
    if not facts:
        return True
    fact_tokens = set(tokenize(" ".join(facts)))
    claim = set(tokenize(body)) - fact_tokens
    sentences = [passage.title, *_sentences(passage.text)]
    flat = [" ".join(sentence.lower().split()) for sentence in sentences]
    head = set(tokenize(f"{passage.title} {passage.heading}"))
    for fact in facts:
        for i, sentence in enumerate(flat):
            if not _fact_in(fact, sentence):
                continue
            window = head | set(tokenize(" ".join(sentences[max(0, i - 1):i + 2])))
            if not claim or len(claim & window) / len(claim) >= least:
                break
        else:
            return False
    return True


def finalize(text: str, passages: list[Passage], min_support: float = 0.5, min_claim_tokens: int = 5
             ) -> tuple[str, list[Citation]]:
    """Every sentence ends up cited by a passage that supports it, or is removed; renumber from [1].

    A passage supports a sentence when it holds at least ``min_support`` of its terms and states
    every date and number it asserts in a sentence about the same thing (``_states_facts``).
    The sentence keeps the markers of its supporting passages; if none of them does, it is
    re-pointed to the passage that does. A sentence that no passage supports (an invention of
    the model, or a fact taken from the wrong passage) is dropped, except very short connecting
    phrases without a fact, which are kept without a marker (a fragment such as « Oui. » before a
    sentence is part of it: ``_split_answer``).
    """
    numbering: dict[int, int] = {}

    def supported_by(body: str, n: int, facts: set[str]) -> bool:
        return _supports(body, passages[n - 1]) >= min_support and _states_facts(body, facts, passages[n - 1])

    out_lines = []
    for line in _split_answer(text):
        out = []
        for sentence in line:
            cited = {int(n) for group in _MARKERS.findall(sentence) for n in re.split(r"\s*[,;]\s*", group)}
            cited = {n for n in cited if 1 <= n <= len(passages)}
            body = _MARKERS.sub("", sentence).rstrip()
            body = re.sub(r"\s+([.!?…,;:])", r"\1", body)
            if not body.strip(" -*•.0123456789"):
                continue  # bare markers or list numbers
            facts = _facts(body)
            supported = [n for n in sorted(cited) if supported_by(body, n, facts)]
            if not supported:
                candidates = [n for n in range(1, len(passages) + 1) if supported_by(body, n, facts)]
                if candidates:
                    supported = [max(candidates, key=lambda n: _supports(body, passages[n - 1]))]
                elif len(tokenize(body)) >= min_claim_tokens or facts:
                    continue  # a claim no passage supports
            markers = "".join(f"[{numbering.setdefault(n, len(numbering) + 1)}]" for n in supported)
            out.append(f"{body} {markers}".rstrip() if markers else body)
        if out:
            out_lines.append(" ".join(out))
    citations = [Citation(id=new, passage=passages[old - 1]) for old, new in sorted(numbering.items(), key=lambda x: x[1])]
    return "\n".join(out_lines), citations

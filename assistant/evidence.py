"""Does the retrieved text hold what the question asks? Lexical signals for refusal.

Retrieval scores do not separate answerable from unanswerable questions, so we
check the passages themselves: the question's distinctive terms must be
covered, and a question asking for an amount needs an amount in the passages.
"""
from __future__ import annotations

import math
import re
from collections import Counter

from index.bm25 import fold, tokenize
from ingest.split import is_fragment, sentence_spans

# Terms every document of the corpus shares: they say nothing about coverage.
GENERIC = set(tokenize(
    "contrat contrats ville villes politique quartier quartiers prioritaire prioritaires nouveau nouvelle nouveaux "
    "document documents dossier cadre quel quelle quels quelles année dans selon comment pourquoi combien date "
    "donne donner croise croiser compare comparer présente présenté prévu prévue chef projet je mon ma mes nous "
    "notre veux dois peut peux"))

_AMOUNT_Q = re.compile(r"\b(montant|budget|co[uû]t|co[uû]te|co[uû]tent|prix|tarif|financ\w+ .*combien|"
                       r"combien .*(euros?|€|pay|financ))", re.I)
_AMOUNT = re.compile(r"(\d[\d  .,]*\s*(€|euros?|k€|m€|millions?|milliards?)|\bgratuit\w*)", re.I)
_COUNT_Q = re.compile(r"\bcombien\s+(?:de|d['’])\s*(\w+)", re.I)
_NUMBER = re.compile(r"\b(\d[\d  ]*|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|vingt|cent|mille)\b", re.I)


_RATE_Q = re.compile(r"\b(taux|pourcentage|proportion|quelle part)\b", re.I)
_RATE = re.compile(r"\d\s*%|\bpour ?cent\b|\d+(,\d+)?\s*points?\b", re.I)
_YEAR = re.compile(r"(?:19|20)\d{2}")
# A question asking for a date, not « quand on parle de … »
_WHEN_Q = re.compile(r"((^|[,;:?]\s*|\bet\s+|\bde\s+|\bdepuis\s+|jusqu'à\s+|à partir de\s+)quand\b|"
                     r"\bquelle date\b|\bquel jour\b)", re.I)
DATE = re.compile(r"\b(\d{1,2}(er)?\s+\w+\s+\d{4}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|(janvier|février|mars|avril|mai|juin|juillet|août|"
                  r"septembre|octobre|novembre|décembre)\s+\d{4}|\d{1,2}\s+(janvier|février|mars|avril|mai|juin|juillet|"
                  r"août|septembre|octobre|novembre|décembre)|(19|20)\d{2})\b", re.I)


def full_dates(text: str) -> list[str]:
    """The dates of a text other than bare years, lower-cased (« 26 mars 2014 », « mars 2025 »)."""
    return [m.group(0).lower() for m in DATE.finditer(text) if not _YEAR.fullmatch(m.group(0))]


class Vocabulary:
    """Document frequencies of stems over all chunks, for IDF weights."""

    def __init__(self, texts: list[str]):
        self.df: Counter[str] = Counter()
        for text in texts:
            self.df.update(set(tokenize(text)))
        self.n = max(1, len(texts))

    def idf(self, token: str) -> float:
        return math.log(1 + (self.n - self.df.get(token, 0) + 0.5) / (self.df.get(token, 0) + 0.5))


# « En tant que délégué du préfet, … » says who asks, not what is asked.
_PERSONA = re.compile(r"^\s*en (tant que|qualité de)\s[^,:;?]{2,60}[,:]", re.I)


def content_terms(question: str) -> list[str]:
    """The question's stems that say what is asked: not GENERIC, not the asker's role."""
    seen, terms = set(), []
    for token in tokenize(_PERSONA.sub(" ", question)):
        if token not in GENERIC and token not in seen:
            seen.add(token)
            terms.append(token)
    return terms


def coverage(question: str, texts: list[str], vocab: Vocabulary) -> float:
    """IDF-weighted share of the question's distinctive terms found in ``texts``."""
    terms = content_terms(question)
    if not terms:
        return 1.0
    present = set(tokenize("\n".join(texts)))
    total = sum(vocab.idf(t) for t in terms)
    return sum(vocab.idf(t) * term_match(t, present) for t in terms) / total if total else 1.0


def term_match(term: str, tokens: set[str]) -> float:
    """1 when ``tokens`` hold the stem; 0.7 for a related stem: the same first 6 letters
    (« priorités » / « prioritaires ») or one stem starting the other (« signés » / « signature »).
    Lenient on purpose: it decides whether to answer at all; sentence ranking (compose._matcher)
    keeps to the 6-letter rule (the prefix rule lost it a sample-set question in a one-off check)."""
    if term in tokens:
        return 1.0
    if any(_related(term, t) for t in tokens):
        return 0.7
    return 0.0


def _related(a: str, b: str) -> bool:
    if len(a) >= 6 and len(b) >= 6:
        return a[:6] == b[:6]
    short, long = sorted((a, b), key=len)
    return len(short) >= 4 and long.startswith(short)


def missing_answer_type(question: str, texts: list[str], vocab: Vocabulary) -> str | None:
    """A reason to refuse when the question asks for a kind of value the passages lack, or hold
    only about something else (see ``_in_focus``)."""
    joined = "\n".join(texts)
    amount = _AMOUNT_Q.search(question)
    if amount:
        if not _AMOUNT.search(joined):
            return "aucun montant dans les passages"
        if not _in_focus(question, amount, _AMOUNT_WORDS, lambda w: bool(_AMOUNT.search(w)), texts, vocab):
            return "aucun montant à propos de ce que demande la question"
    if _RATE_Q.search(question) and not _RATE.search(joined):
        return "aucun taux ni pourcentage dans les passages"
    match = _COUNT_Q.search(question)
    if match:
        noun = tokenize(match.group(1))
        if noun and not _counted(noun[0], joined):
            return f"aucun nombre de « {match.group(1)} » dans les passages"
        if noun and not _in_focus(question, match, _units(noun[0]), lambda w: _counted(noun[0], w), texts, vocab):
            return f"aucun nombre de « {match.group(1)} » à propos de ce que demande la question"
    when = _WHEN_Q.search(question)
    if when and not _dated_where_named(_clause(question, when), texts):
        return "aucune date dans les passages qui nomment ce que demande la question"
    return None


def _clause(question: str, match: re.Match) -> str:
    """The part of the question (between commas, colons or « et ») that holds ``match``."""
    cuts = [0, *(end for m in re.finditer(r"[,;:?]|\bet\b", question) for end in (m.start(), m.end())), len(question)]
    pieces = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
    return next((question[s:e] for s, e in pieces if s <= match.end() - 1 < e), question)


def _dated_where_named(clause: str, texts: list[str]) -> bool:
    """A question asking « jusqu'à quelle date … l'appel à projets anticipé » whose subject the
    passages name (three of its words in a row, two of them distinctive) needs a date, other than
    a year the question gives, in one of the sentences that name it (``_windows``): the calendar
    printed just below « appel à projet anticipé » is about other steps. A subject the passages
    do not name this closely leaves the decision to coverage."""
    asked = tokenize(clause)
    years = set(_YEAR.findall(clause))
    named = False
    for text in texts:
        for sentence, window in _windows(text):
            if _names_subject(asked, tokenize(sentence)):
                named = True
                if any(d.group(0) not in years for d in DATE.finditer(window)):
                    return True
    return not named


def _windows(text: str):
    """Each sentence of ``text`` with the words it is read in: a fragment on a line of its own
    (« 112 p. ») with the sentence before it."""
    previous = ""
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        yield sentence, (f"{previous} {sentence}" if is_fragment(sentence) else sentence)
        previous = sentence


def _names_subject(asked: list[str], tokens: list[str], length: int = 3) -> bool:
    """``length`` consecutive stems of the question, two of them not generic, in a row in ``tokens``."""
    runs = {tuple(tokens[i:i + length]) for i in range(len(tokens) - length + 1)}
    return any(tuple(asked[i:i + length]) in runs and sum(t not in GENERIC for t in asked[i:i + length]) >= 2
               for i in range(len(asked) - length + 1))


def _in_focus(question: str, match: re.Match, asked: set[str], holds, texts: list[str], vocab: Vocabulary,
              least: float = 0.3) -> bool:
    """The value asked sits in a sentence about what the question asks: « combien de quartiers ...
    en outre-mer » is not answered by « 1 362 quartiers dans l'Hexagone », nor « quel montant de
    crédits » by « participation gratuite ». A sentence for which ``holds`` is true is read with
    its passage's title and heading (the first two lines of each text), in its ``_windows``
    reading, against the terms of the clause that asks (less ``asked``)."""
    terms = [t for t in content_terms(_clause(question, match)) if t not in asked | _VALUE_FILLER]
    total = sum(vocab.idf(t) for t in terms)
    if not total:
        return True
    for text in texts:
        context = set(tokenize(" ".join(text.split("\n", 2)[:2])))
        for _, window in _windows(text):
            if holds(window):
                present = context | set(tokenize(window))
                if sum(vocab.idf(t) for t in terms if t in present) / total >= least:
                    return True
    return False


_AMOUNT_WORDS = set(tokenize("montant montants budget coût coûte coûtent prix tarif combien euros maximal maximum"))
_VALUE_FILLER = set(tokenize("chacun chacune compte compter comptait comptent plus moins minimum maximum"))
# Units a programme counts in interchangeably: « combien de journées » is answered by « quatre séances ».
_SAME_UNIT = [set(tokenize("journée journées séance séances session sessions rencontre rencontres jour jours"))]


def _units(stem: str) -> set[str]:
    return {stem}.union(*(group for group in _SAME_UNIT if stem in group))


def _counted(stem: str, text: str) -> bool:
    """A number within three words before a word of the given stem, a unit counted the same way,
    or its abbreviation (« 112 p. »). Enumerations (« 2. Les conseils ») are not counts."""
    stems = _units(stem)
    words = re.findall(r"\w+\.?", text)
    for i, word in enumerate(words):
        token = tokenize(word.rstrip("."))
        match = (token and token[0] in stems) or (word.endswith(".") and fold(stem).startswith(fold(word[:-1].lower())))
        if match and any(_NUMBER.fullmatch(w) and not _YEAR.fullmatch(w) for w in words[max(0, i - 3):i]):
            return True
    return False

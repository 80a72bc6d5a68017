"""Words as the index sees them: lower case, French stopwords out, Snowball stems, accents folded.

``tokenize`` is the one tokeniser of the project (BM25, coverage, sentence scoring, citation
checks, highlighting): « contrats » and « contrat » meet, « élaboration » and « elaboration » too.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_FRENCH

_WORD = re.compile(r"\w+", re.UNICODE)
_STEMMER = Stemmer.Stemmer("french")


def fold(text: str) -> str:
    """``text`` without its accents (« élaboration » -> « elaboration »); case is kept."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


STOPWORDS = {fold(w.lower()) for w in STOPWORDS_FRENCH} | {
    "ete",
    "etre",
    "quel",
    "quelle",
    "quels",
    "quelles",
    "comment",
    "quand",
    "ou",
    "qui",
    "quoi",
    "faut",
}


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The folded Snowball stem of a lower-case word."""
    return fold(_STEMMER.stemWord(word))


@lru_cache(maxsize=500_000)
def _token(word: str) -> str | None:
    """The index term of a lowercase word, None for a stopword or a lone letter (one call per distinct word)."""
    if fold(word) in STOPWORDS or not (len(word) > 1 or word.isdigit()):
        return None
    return stem(word)


def tokenize(text: str) -> list[str]:
    """Lowercase, drop French stopwords, stem, fold accents ('contrats' and 'contrat' meet).

    Words are looked up in a cache of their terms: folding accents character by
    character for every occurrence made BM25 and vocabulary builds take minutes
    at 50,000 chunks (docs/performance.md).
    """
    words = _WORD.findall(text.lower().replace("’", "'"))
    return [term for term in map(_token, words) if term is not None]


def words(text: str) -> list[re.Match]:
    """The words of ``text`` with their positions (for highlighting)."""
    return list(_WORD.finditer(text))


def same_prefix(a: str, b: str, length: int = 6) -> bool:
    """Two stems that differ but share their first ``length`` letters (« priorit » / « prioritair »):
    related words for the matching rules of scoring, the gate and counts."""
    return len(a) >= length and len(b) >= length and a[:length] == b[:length]


def holds_stem(tokens, stem: str) -> bool:
    """One of ``tokens`` is ``stem`` or a related word (:func:`same_prefix`)."""
    return any(t == stem or same_prefix(t, stem) for t in tokens)

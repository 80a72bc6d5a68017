"""French BM25 as a llama-index retriever: accent folding, French stopwords, Snowball stemmer.

Built from the nodes held in Chroma (the single source of truth). The
tokeniser is code, not data, so nothing is lost between runs; llama-index's own
BM25 retriever tokenises queries with English stopwords and forgets the stemmer
on persist, hence this small class over ``bm25s``.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_FRENCH
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

_WORD = re.compile(r"\w+", re.UNICODE)
_STEMMER = Stemmer.Stemmer("french")


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_STOPWORDS = {fold(w.lower()) for w in STOPWORDS_FRENCH} | {"ete", "etre", "quel", "quelle", "quels", "quelles",
                                                             "comment", "quand", "ou", "qui", "quoi", "faut"}


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return fold(_STEMMER.stemWord(word))


@lru_cache(maxsize=500_000)
def _token(word: str) -> str | None:
    """The index term of a lowercase word, None for a stopword or a lone letter (one call per distinct word)."""
    if fold(word) in _STOPWORDS or not (len(word) > 1 or word.isdigit()):
        return None
    return _stem(word)


def tokenize(text: str) -> list[str]:
    """Lowercase, drop French stopwords, stem, fold accents ('contrats' and 'contrat' meet).

    Words are looked up in a cache of their terms: folding accents character by
    character for every occurrence made BM25 and vocabulary builds take minutes
    at 50,000 chunks (docs/performance.md).
    """
    words = _WORD.findall(text.lower().replace("’", "'"))
    return [term for term in map(_token, words) if term is not None]


class FrenchBM25Retriever(BaseRetriever):
    def __init__(self, nodes: list[TextNode], similarity_top_k: int = 10, text_of=None):
        super().__init__()
        self.nodes = list(nodes)
        self.similarity_top_k = similarity_top_k
        text_of = text_of or (lambda node: node.get_content())
        self._bm25 = bm25s.BM25()
        if self.nodes:
            self._bm25.index([tokenize(text_of(n)) or ["_"] for n in self.nodes], show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        tokens = [t for t in tokenize(query) if t in self._bm25.vocab_dict]
        if not self.nodes or not tokens:
            return np.zeros(len(self.nodes))
        return self._bm25.get_scores(tokens)

    def retrieve_filtered(self, query: str, allowed: np.ndarray | None = None, k: int | None = None):
        k = k or self.similarity_top_k
        scores = self.scores(query)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        top = np.argsort(-scores, kind="stable")[:k]
        return [NodeWithScore(node=self.nodes[i], score=float(scores[i])) for i in top if scores[i] > 0]

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return self.retrieve_filtered(query_bundle.query_str)

"""French BM25 as a llama-index retriever (:func:`core.text.tokens.tokenize`: accents folded,
French stopwords, Snowball stems), and the vocabulary it ranks with.

Built from the nodes held in Chroma (the single source of truth). The
tokeniser is code, not data, so nothing is lost between runs; llama-index's own
BM25 retriever tokenises queries with English stopwords and forgets the stemmer
on persist, hence this small class over ``bm25s``.
"""

from __future__ import annotations

import math
from collections import Counter

import bm25s
import numpy as np
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from core.text.tokens import tokenize


class Vocabulary:
    """Document frequencies of the index's stems, and their IDF: the one table BM25 ranks with
    and answer scoring weighs the question's terms with."""

    def __init__(self, df: dict[str, int], n: int):
        self.df, self.n = df, max(1, n)

    @classmethod
    def from_texts(cls, texts: list[str]) -> Vocabulary:
        df: Counter[str] = Counter()
        for text in texts:
            df.update(set(tokenize(text)))
        return cls(dict(df), len(texts))

    def idf(self, token: str) -> float:
        df = self.df.get(token, 0)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))


class FrenchBM25Retriever(BaseRetriever):
    def __init__(self, nodes: list[TextNode], similarity_top_k: int = 10, text_of=None):
        super().__init__()
        self.nodes = list(nodes)
        self.similarity_top_k = similarity_top_k
        text_of = text_of or (lambda node: node.get_content())
        self._bm25 = bm25s.BM25()
        df = {}
        if self.nodes:
            self._bm25.index([tokenize(text_of(n)) or ["_"] for n in self.nodes], show_progress=False)
            indptr = self._bm25.scores["indptr"]  # column i of the score matrix: the documents holding term i
            df = {
                term: int(indptr[i + 1] - indptr[i])
                for term, i in self._bm25.vocab_dict.items()
                if i + 1 < len(indptr)
            }
        self.vocabulary = Vocabulary(df, len(self.nodes))

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

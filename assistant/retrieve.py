"""Hybrid retrieval: French BM25 + dense e5 through Chroma, fused by reciprocal rank.

Filters (document kind, year range) apply to both sides. BM25 is derived from
the chunks in Chroma and rebuilt when the index version changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from llama_index.core import Settings as LlamaSettings
from llama_index.core import VectorStoreIndex
from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import BaseRetriever, QueryFusionRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle
from llama_index.core.vector_stores import FilterCondition, FilterOperator, MetadataFilter, MetadataFilters

from core.settings import Settings
from core.text.acronyms import Acronyms
from index.bm25 import FrenchBM25Retriever, Vocabulary

MODES = ("hybrid", "bm25", "dense")


@dataclass(frozen=True)
class Filters:
    kinds: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None

    def to_llama(self) -> MetadataFilters | None:
        items = []
        if self.kinds:
            items.append(MetadataFilter(key="kind", value=list(self.kinds), operator=FilterOperator.IN))
        if self.year_min:
            items.append(MetadataFilter(key="year", value=int(self.year_min), operator=FilterOperator.GTE))
        if self.year_max:
            items.append(MetadataFilter(key="year", value=int(self.year_max), operator=FilterOperator.LTE))
        return MetadataFilters(filters=items, condition=FilterCondition.AND) if items else None

    def mask(self, kinds: np.ndarray, years: np.ndarray) -> np.ndarray | None:
        if not (self.kinds or self.year_min or self.year_max):
            return None
        allowed = np.ones(len(kinds), dtype=bool)
        if self.kinds:
            allowed &= np.isin(kinds, list(self.kinds))
        if self.year_min:
            allowed &= years >= int(self.year_min)
        if self.year_max:
            allowed &= years <= int(self.year_max)
        return allowed


def bm25_text(node) -> str:
    meta = node.metadata
    return f"{meta.get('title', '')}\n{meta.get('heading', '')}\n{node.get_content()}"


class _FilteredBM25(BaseRetriever):
    """A per-query view of the shared BM25 index with a filter mask."""

    def __init__(self, bm25: FrenchBM25Retriever, allowed, k: int):
        super().__init__()
        self._bm25, self._allowed, self._k = bm25, allowed, k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return self._bm25.retrieve_filtered(query_bundle.query_str, self._allowed, self._k)


class WeightedRRFRetriever(QueryFusionRetriever):
    """Reciprocal rank fusion with a weight per retriever.

    On our French corpora the lexical side is the stronger one (see
    docs/evaluation.md), so the dense ranks count for less; k is smaller than
    the usual 60 so that the top ranks of each list decide.
    """

    def __init__(self, retrievers, weights, k: float, **kwargs):
        super().__init__(
            retrievers, mode="reciprocal_rerank", num_queries=1, use_async=False, llm=MockLLM(), **kwargs
        )
        self._weights, self._k = list(weights), k

    def _reciprocal_rerank_fusion(self, results):
        fused: dict[str, float] = {}
        nodes: dict[str, NodeWithScore] = {}
        for (_, index), hits in results.items():
            weight = self._weights[index]
            for rank, hit in enumerate(sorted(hits, key=lambda x: x.score or 0.0, reverse=True)):
                key = hit.node.node_id
                nodes.setdefault(key, hit)
                fused[key] = fused.get(key, 0.0) + weight / (self._k + rank + 1)
        ranked = sorted(fused, key=fused.get, reverse=True)
        return [NodeWithScore(node=nodes[key].node, score=fused[key]) for key in ranked]


class HybridRetriever:
    """BM25 and dense candidates (``retrieval_candidates`` each) fused with ``dense_weight`` and ``rrf_k``."""

    def __init__(self, store, embed_model, settings: Settings):
        LlamaSettings.llm = MockLLM()  # never resolve llama-index's OpenAI default (None prints to stdout)
        self.store = store
        self.embed_model = embed_model
        self.candidates = settings.retrieval_candidates
        self.dense_weight = settings.dense_weight
        self.rrf_k = settings.rrf_k
        self.index = VectorStoreIndex.from_vector_store(store.vector_store, embed_model=embed_model)
        self._lock = threading.Lock()
        self.version = None  # the index version the BM25 side was built from
        self.refresh()

    def refresh(self, force: bool = False) -> None:
        """Rebuild BM25 from Chroma when another ingest changed the index."""
        version = self.store.version.get()
        if not force and version == self.version:
            return
        with self._lock:
            if not force and version == self.version:
                return
            nodes = self.store.all_nodes()
            bm25 = FrenchBM25Retriever(nodes, text_of=bm25_text)
            self._kinds = np.array([n.metadata.get("kind", "") for n in nodes])
            self._years = np.array([int(n.metadata.get("year") or 0) for n in nodes])
            self.nodes, self.bm25 = nodes, bm25
            self.acronyms = Acronyms([n.get_content() for n in nodes])
            self.version = version

    def _dense(self, filters: Filters, k: int) -> BaseRetriever:
        return self.index.as_retriever(similarity_top_k=k, filters=filters.to_llama())

    def retrieve(
        self, query: str, filters: Filters = Filters(), k: int = 10, mode: str = "hybrid"
    ) -> list[NodeWithScore]:
        self.refresh()
        if not self.nodes:
            return []
        n = max(k, self.candidates)
        bm25 = _FilteredBM25(self.bm25, filters.mask(self._kinds, self._years), n)
        if mode == "bm25":
            return bm25.retrieve(query)[:k]
        dense = self._dense(filters, n)
        if mode == "dense":
            return dense.retrieve(query)[:k]
        fusion = WeightedRRFRetriever(
            [dense, bm25], [self.dense_weight, 1.0], k=self.rrf_k, similarity_top_k=k
        )
        return fusion.retrieve(query)[:k]

    @property
    def vocabulary(self) -> Vocabulary:
        """The IDF table of the index as last read (the BM25 side's own counts): the one the last
        :meth:`retrieve` ranked with (it refreshes; reading this does not touch Chroma)."""
        return self.bm25.vocabulary

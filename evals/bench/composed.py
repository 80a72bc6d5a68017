"""Embeddings for the bench's large synthetic indexes, affordable on 2 cores.

Embedding 50,000 chunks with e5-small takes over an hour on 2 cores, so the
scale indexes are built with :class:`ComposedEmbedding`, an embedding model for
the ingest pipeline (same interface as the real one) that gives:

* the real model's vector to every text it already knows (the chunks of the
  real corpus, taken from the base index that the bench ingests for real);
* a synthetic chunk (made only of sentences of the generator's pool) the
  length-weighted mean of the real e5 vectors of its sentences, minus ``alpha``
  times the mean vector of the pool, normalised. e5 pools by averaging token
  vectors, so the mean is close to the chunk's own vector; but a mean of
  sentence vectors leans towards what all texts share, so it sits closer to any
  query than the real vector would (measured: mean cosine to the dev questions
  0.854 against 0.826), and plain means crowd the real chunks out of the dense
  top 10 at 50,000 chunks. :func:`calibrate` picks ``alpha`` on a sample of
  synthetic chunks embedded for real, so that composed and real vectors have the
  same mean projection on the pool's mean direction, and reports the cosine
  between composed and real vectors (the bench shows both);
* anything else: the real model (counted in ``fallbacks``).

Queries always go to the real model. The pool sentences are embedded once (the
real model, ``passage:`` prefix) and cached in ``.npy`` files named after the
pool's content and the model folder.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from llama_index.core.embeddings import BaseEmbedding
from pydantic import PrivateAttr

from index.embeddings import embed_batches


def model_tag(model) -> str:
    """A short stable id of the embedding model (its name or folder and its files' sizes)."""
    name = model if isinstance(model, str) else str(getattr(model, "model_name", "model"))
    path = Path(name)
    sig = name
    if path.is_dir():
        sig += ";" + ";".join(f"{p.name}:{p.stat().st_size}" for p in sorted(path.glob("*")) if p.is_file())
    return hashlib.sha1(sig.encode()).hexdigest()[:10]


def encode_passages(model, texts: list[str], batch_size: int | None = None) -> np.ndarray:
    """The model's own passage vectors of ``texts``, ``(n, dim)`` float32, in the order given.

    Through the model's public ``get_text_embedding_batch`` (passage prefix, normalised), the texts
    longest first so that each batch holds texts of similar length (little padding), as one
    sentence-transformers ``encode`` call over all of them would. ``batch_size``: texts per model
    call, default the model's ``embed_batch_size`` (another value runs on a copy of the model
    object; the weights are shared).
    """
    if batch_size and batch_size != model.embed_batch_size:
        model = model.model_copy(update={"embed_batch_size": int(batch_size)})
    vectors = embed_batches(model.get_text_embedding_batch, texts, len(texts), longest_first=True)
    return (
        np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
        if texts
        else np.zeros((0, 0), np.float32)
    )


def pool_vectors(pool: list[str], model, cache_dir: Path, batch_size: int = 64) -> tuple[np.ndarray, dict]:
    """Real passage embeddings of the pool sentences, from ``cache_dir`` when already computed."""
    import time

    cache_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1("\n".join(pool).encode()).hexdigest()
    stem = cache_dir / f"pool-{digest[:12]}-{model_tag(model)}"  # by content: a new document layout reuses it
    npy, meta_path = stem.with_suffix(".npy"), stem.with_suffix(".json")
    if npy.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("digest") == digest:
            return np.load(npy), {**meta, "cached": True}
    started = time.perf_counter()
    array = encode_passages(model, pool, batch_size)  # short texts: big batches
    seconds = time.perf_counter() - started
    meta = {
        "digest": digest,
        "sentences": len(pool),
        "seconds": round(seconds, 2),
        "sentences_per_s": round(len(pool) / seconds, 2),
    }
    np.save(npy, array)
    meta_path.write_text(json.dumps(meta))
    return array, {**meta, "cached": False}


class ComposedEmbedding(BaseEmbedding):
    """Known texts -> stored vectors; pool-sentence texts -> mean of sentence vectors; else the real model."""

    _real: object = PrivateAttr()
    _known: dict = PrivateAttr()
    _sentences: dict = PrivateAttr()
    _vectors: np.ndarray = PrivateAttr()
    _stats: dict = PrivateAttr()
    _centre: np.ndarray = PrivateAttr()
    alpha: float = 0.0

    def __init__(
        self,
        real,
        pool: list[str],
        pool_vecs: np.ndarray,
        known: dict | None = None,
        alpha: float = 0.0,
        **kwargs,
    ):
        super().__init__(model_name="composed", embed_batch_size=256, alpha=alpha, **kwargs)
        self._real = real
        self._known = dict(known or {})
        self._sentences = {s: i for i, s in enumerate(pool)}
        self._vectors = np.asarray(pool_vecs, dtype=np.float32)
        self._centre = self._vectors.mean(axis=0) if len(self._vectors) else np.zeros(0, dtype=np.float32)
        self._stats = {"known": 0, "composed": 0, "fallbacks": 0, "uncovered_chars": 0}

    @classmethod
    def class_name(cls) -> str:
        return "ComposedEmbedding"

    @property
    def stats(self) -> dict:
        return dict(self._stats)

    @property
    def centre(self) -> np.ndarray:
        """The mean vector of the pool sentences (empty without a pool)."""
        return self._centre

    def compose(self, text: str, alpha: float | None = None) -> np.ndarray | None:
        """Length-weighted mean of the pool sentences of ``text`` less ``alpha`` x the pool mean, normalised.

        None when the pool sentences cover under half of the text.
        """
        from core.text.sentences import sentence_spans

        rows, weights = [], []
        for start, end in sentence_spans(text):
            index = self._sentences.get(text[start:end].strip())
            if index is not None:
                rows.append(index)
                weights.append(end - start)
        if not rows or sum(weights) < 0.5 * len(text.strip()):
            return None
        self._stats["uncovered_chars"] += len(text.strip()) - sum(weights)
        vector = np.average(self._vectors[rows], axis=0, weights=np.asarray(weights, dtype=np.float32))
        vector = vector - (self.alpha if alpha is None else alpha) * self._centre
        return vector / (np.linalg.norm(vector) or 1.0)

    def _one(self, text: str) -> list[float]:
        known = self._known.get(text)
        if known is not None:
            self._stats["known"] += 1
            return list(known)
        vector = self.compose(text)
        if vector is not None:
            self._stats["composed"] += 1
            return vector.tolist()
        self._stats["fallbacks"] += 1
        return self._real.get_text_embedding(text)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._one(text)

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [self._one(t) for t in texts]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._real.get_query_embedding(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def calibrate(composed: ComposedEmbedding, real, texts: list[str]) -> dict:
    """Set ``composed.alpha`` from synthetic chunks embedded for real; report the fit.

    ``alpha`` (0 to 0.9 by 0.05) makes the mean projection of composed vectors on
    the pool's mean direction equal that of the real vectors. Returned: alpha,
    the sample size, mean and min cosine between composed and real vectors with
    that alpha, and the mean cosine with alpha = 0 for comparison.
    """
    texts = [t for t in texts if composed.compose(t, 0.0) is not None]
    if not texts or not len(composed.centre):
        return {"n": 0, "alpha": composed.alpha}
    reals = np.asarray(real.get_text_embedding_batch(texts), dtype=np.float32)
    centre = composed.centre / (np.linalg.norm(composed.centre) or 1.0)
    target = float((reals @ centre).mean())
    grid = [round(0.05 * i, 2) for i in range(19)]
    plain = np.asarray([composed.compose(t, 0.0) for t in texts])

    def gap(alpha: float) -> float:
        return abs(float((np.asarray([composed.compose(t, alpha) for t in texts]) @ centre).mean()) - target)

    best = min(grid, key=gap)
    composed.alpha = best
    fitted = np.asarray([composed.compose(t, best) for t in texts])
    cos = np.sum(fitted * reals, axis=1)
    return {
        "n": len(texts),
        "alpha": best,
        "mean_cosine": round(float(cos.mean()), 4),
        "min_cosine": round(float(cos.min()), 4),
        "mean_cosine_alpha_0": round(float(np.sum(plain * reals, axis=1).mean()), 4),
        "projection_real": round(target, 4),
        "projection_composed": round(float((fitted @ centre).mean()), 4),
    }

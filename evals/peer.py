"""The peer baseline: the plain llama-index default pipeline, in memory.

What a llama-index user gets out of the box, over the same files and the same
embedding model as the assistant:

* ``SimpleDirectoryReader`` over the files the assistant ingests (same list:
  README files and unsupported formats left out). Without the optional
  ``llama-index-readers-file`` package it would decode PDF/DOCX bytes as text,
  so those formats (and HTML) are read with our loader's text instead; plain
  text and Markdown are read by llama-index itself, as is;
* ``VectorStoreIndex`` (in-memory ``SimpleVectorStore``) with the default
  transformation, ``SentenceSplitter()`` (1024 tokens, overlap 200), and its
  default metadata handling;
* the embedding model of :func:`index.embeddings.make_embed_model` (e5 with its
  ``query:``/``passage:`` prefixes);
* the default ``similarity_top_k`` (2) as the context of an answer; retrieval
  metrics are computed on a top-10 ranking of the same retriever (the top 2 is
  its prefix).

``llama_index.core.Settings.llm`` is set to None so nothing resolves OpenAI.
"""

from __future__ import annotations

import time
from functools import cached_property
from pathlib import Path

from llama_index.core.constants import DEFAULT_SIMILARITY_TOP_K

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}


def _loader_reader():
    from llama_index.core.readers.base import BaseReader
    from llama_index.core.schema import Document

    from ingest.loaders import load

    class LoaderReader(BaseReader):
        """Our loader's text for the formats llama-index cannot read without extras."""

        def load_data(self, file, extra_info=None, **kwargs):
            return [Document(text=load(Path(file)).text, metadata=dict(extra_info or {}))]

    return LoaderReader()


def read_documents(files: list[Path]):
    from llama_index.core import SimpleDirectoryReader

    reader = _loader_reader()
    extractors = {s: reader for s in {p.suffix.lower() for p in files} if s not in TEXT_SUFFIXES}
    return SimpleDirectoryReader(
        input_files=[str(p) for p in files], file_extractor=extractors, raise_on_error=True
    ).load_data(show_progress=False)


class LlamaIndexDefaultRetriever:
    """A default ``VectorStoreIndex`` with the interface ``Assistant`` expects of its retriever.

    ``Assistant`` uses ``retrieve``, ``refresh``, ``acronyms`` and ``vocabulary`` (the IDF table its answer
    code weighs terms with: here over the peer's own chunks, as ``HybridRetriever`` does over
    the index's); retrieved nodes get the ``source`` (file name) and ``title`` metadata the rest
    of the code reads.
    """

    default_top_k = DEFAULT_SIMILARITY_TOP_K

    def __init__(self, files: list[Path], embed_model):
        from llama_index.core import Settings as LlamaSettings
        from llama_index.core import VectorStoreIndex
        from llama_index.core.llms import MockLLM
        from llama_index.core.node_parser import SentenceSplitter

        LlamaSettings.llm = MockLLM()  # not None: that prints to stdout
        started = time.perf_counter()
        documents = read_documents(files)
        splitter = SentenceSplitter()  # the default transformation, built explicitly
        self.index = VectorStoreIndex.from_documents(
            documents, embed_model=embed_model, transformations=[splitter]
        )
        self.build_seconds = time.perf_counter() - started
        self.chunk_size, self.chunk_overlap = splitter.chunk_size, splitter.chunk_overlap
        self.nodes = [self._named(n) for n in self.index.docstore.docs.values()]

    @staticmethod
    def _named(node):
        name = node.metadata.get("file_name") or Path(node.metadata.get("file_path", "")).name
        node.metadata.setdefault("source", name)
        node.metadata.setdefault("title", Path(name).stem)
        return node

    def refresh(self, force: bool = False) -> None:
        """Nothing to refresh: the index is built once, in memory."""

    def retrieve(self, query: str, filters=None, k: int = 10, mode: str = "dense"):
        hits = self.index.as_retriever(similarity_top_k=k).retrieve(query)
        for hit in hits:
            self._named(hit.node)
        return hits

    @cached_property
    def acronyms(self):
        from core.text.acronyms import Acronyms

        return Acronyms([n.get_content() for n in self.nodes])

    @cached_property
    def vocabulary(self):
        """Document frequencies of the peer's chunks, read as the assistant's BM25 reads its own."""
        from assistant.retrieve import bm25_text
        from index.bm25 import Vocabulary

        return Vocabulary.from_texts([bm25_text(n) for n in self.nodes])


def peer_assistant(settings, retriever: LlamaIndexDefaultRetriever, embed_model):
    """An ``Assistant`` answering over the default pipeline: same answer code, its retriever, its top-k."""
    from assistant.pipeline import Assistant

    settings = settings.model_copy(update={"context_k": retriever.default_top_k})
    return Assistant(settings, embed_model=embed_model, retriever=retriever)  # no Chroma store is opened

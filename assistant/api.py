"""The Python API: ``Assistant.open(index_dir).ask(question, history=...)``.

One object holds the models for the life of a process (CLI batch, UI server,
evaluation); ``stream`` yields the retrieved passages first, then the text.
"""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

from assistant.compose import (REFUSAL, build_messages, extractive_answer, finalize, is_refusal, merge_neighbours,
                              key_sentences, trim_passages)
from assistant.condense import standalone_question, trim_history
from assistant.config import Settings, get_settings
from assistant.evidence import Vocabulary, coverage, missing_answer_type
from assistant.llm.base import BackendUnavailable, ChatBackend
from assistant.retrieve import Filters, HybridRetriever, bm25_text
from assistant.types import Answer, Passage

MAX_QUESTION_CHARS = 2000
BACKENDS = ("local", "openai", "extractive")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class QuestionError(ValueError):
    """The question cannot be asked as it is; the message is for the user (French)."""


def clean_question(question: str) -> str:
    if not isinstance(question, str):
        raise QuestionError("La question doit être un texte.")
    question = _CONTROL.sub(" ", question).strip()
    if not question:
        raise QuestionError("La question est vide.")
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(f"La question est trop longue ({len(question)} caractères ; maximum {MAX_QUESTION_CHARS}).")
    return question


class Assistant:
    def __init__(self, settings: Settings, store=None, embed_model=None):
        from index.store import ChunkStore

        self.settings = settings
        self.store = store or ChunkStore(settings)
        self._embed_model = embed_model
        self._backends: dict[str, ChatBackend | None] = {}
        self._lock = threading.Lock()
        self.min_coverage = 0.35
        self.strong_coverage = 0.5

    @classmethod
    def open(cls, index_dir: str | Path | None = None, llm: str | None = None, **overrides) -> "Assistant":
        return cls(get_settings(index_dir=index_dir, llm=llm, **overrides))

    # -- components, loaded once -------------------------------------------------
    @property
    def embed_model(self):
        if self._embed_model is None:
            from index.embeddings import make_embed_model

            self._embed_model = make_embed_model(self.settings)
        return self._embed_model

    @cached_property
    def retriever(self) -> HybridRetriever:
        return HybridRetriever(self.store, self.embed_model)

    @property
    def vocabulary(self) -> Vocabulary:
        retriever = self.retriever
        retriever.refresh()
        if getattr(self, "_vocab_version", None) != retriever._version:
            self._vocab = Vocabulary([bm25_text(n) for n in retriever.nodes])
            self._vocab_version = retriever._version
        return self._vocab

    def backend_name(self, llm: str | None = None) -> str:
        name = llm or self.settings.llm
        if name != "auto":
            return name
        if self.settings.openai_base_url and self.settings.openai_model:
            return "openai"
        from assistant.llm.local_model import local_model_available

        return "local" if local_model_available(self.settings.models_dir) else "extractive"

    def backend(self, name: str) -> ChatBackend | None:
        if name == "extractive":
            return None
        if name not in BACKENDS:
            raise BackendUnavailable(f"Backend inconnu : {name} (choix : {', '.join(BACKENDS)})")
        with self._lock:
            if name not in self._backends:
                if name == "local":
                    from assistant.llm.local import get_local_backend

                    self._backends[name] = get_local_backend(self.settings)
                else:
                    from assistant.llm.openai_backend import OpenAIBackend

                    self._backends[name] = OpenAIBackend(self.settings)
            return self._backends[name]

    # -- answering -----------------------------------------------------------------
    def retrieve(self, question: str, filters: Filters = Filters(), k: int | None = None, mode: str = "hybrid"):
        nodes = self.retriever.retrieve(question, filters, k or self.settings.top_k, mode=mode)
        return [Passage.from_node(n) for n in nodes]

    def ask(self, question: str, history: list[dict] | None = None, filters: Filters | None = None,
            llm: str | None = None, mode: str = "hybrid") -> Answer:
        answer = None
        for kind, value in self.stream(question, history, filters, llm, mode):
            if kind == "answer":
                answer = value
        return answer

    def stream(self, question: str, history: list[dict] | None = None, filters: Filters | None = None,
               llm: str | None = None, mode: str = "hybrid") -> Iterator[tuple[str, object]]:
        """Yield ("retrieved", passages), then ("delta", text)*, then ("answer", Answer).

        A ("reset", text) event replaces the text streamed so far (extractive fallback when the
        model's output has no sentence the passages support).
        """
        started = time.perf_counter()
        question = clean_question(question)
        name = self.backend_name(llm)
        backend = self.backend(name)
        history = trim_history(history, self.settings.history_turns)
        standalone = standalone_question(question, history, backend)
        t0 = time.perf_counter()
        retrieved = self.retrieve(standalone, filters or Filters(), mode=mode)
        k = self.settings.context_k
        context = merge_neighbours(retrieved[:k], retrieved[k:max(k, self.settings.neighbour_k)])
        timings = {"condense": (t0 - started) * 1000, "retrieve": (time.perf_counter() - t0) * 1000}
        yield "retrieved", retrieved
        t1 = time.perf_counter()
        answer = Answer(question=question, answer=REFUSAL, abstained=True, retrieved=retrieved,
                        standalone_question=standalone, backend=name)
        support = self.evidence(standalone, context)
        if support >= self.min_coverage:
            if backend is None:
                raw = extractive_answer(standalone, context, self.vocabulary)
                yield "delta", raw
                text, citations = finalize(raw, context) if raw.strip() and not is_refusal(raw) else ("", [])
            else:
                text, citations = yield from self._generate(backend, standalone, context, support)
                if text is not None and not citations:
                    # The model wrote nothing the passages support (e.g. bare markers), or refused
                    # over strong evidence: show the extractive answer instead.
                    text, citations = finalize(extractive_answer(standalone, context, self.vocabulary), context)
                    answer.fallback = "extractive"
                    yield "reset", text
            if citations:
                answer.answer, answer.citations, answer.abstained = text, citations, False
        if answer.abstained:
            answer.suggestions = self.suggestions(retrieved)
        timings["generate"] = (time.perf_counter() - t1) * 1000
        timings["total"] = (time.perf_counter() - started) * 1000
        answer.timings_ms = timings
        yield "answer", answer

    def _generate(self, backend, question: str, context: list[Passage], support: float):
        """Stream the model's answer; return (text, citations), or (None, []) for a refusal to keep.

        The model sees the passages cut to their best sentences; its sentences are checked
        against the whole passages. The best sentence of the passages, when the model did not say
        it, and the dated sentences it left out of a « quand » answer are added verbatim. A refusal
        over passages that plainly cover the question (coverage at least ``strong_coverage``) is
        not believed: it comes back as an empty answer.
        """
        prompt_passages, sources = trim_passages(question, context, self.vocabulary,
                                                 budget=self.settings.llm_context_chars)
        pieces = []
        for piece in backend.stream(build_messages(question, prompt_passages), max_tokens=self.settings.llm_max_tokens):
            pieces.append(piece)
            yield "delta", piece
        raw = "".join(pieces)
        if is_refusal(raw):
            return (None, []) if support < self.strong_coverage else ("", [])
        text, citations = finalize(raw, sources)
        key = key_sentences(question, text, sources, self.vocabulary) if citations else ""
        if key:
            yield "delta", "\n" + key
            text, citations = finalize(raw + "\n" + key, sources)
        return text, citations

    def evidence(self, question: str, passages: list[Passage]) -> float:
        """How well the passages cover the question (0 when they lack the kind of value asked)."""
        if not passages:
            return 0.0
        texts = [f"{p.title}\n{p.heading}\n{p.text}" for p in passages]
        if missing_answer_type(question, texts, self.vocabulary):
            return 0.0
        return coverage(question, texts, self.vocabulary)

    @staticmethod
    def suggestions(retrieved: list[Passage], n: int = 3) -> list[dict]:
        seen, out = set(), []
        for p in retrieved:
            if p.source not in seen:
                seen.add(p.source)
                out.append({"title": p.title, "source": p.source, "kind": p.kind, "date": p.date})
            if len(out) == n:
                break
        return out

    # -- library -------------------------------------------------------------------
    def ingest(self, paths: list[Path], prune: bool = False, progress: bool = False):
        from ingest.pipeline import Ingestor

        report = Ingestor(self.settings, store=self.store, embed_model=self.embed_model).run(paths, prune, progress)
        if "retriever" in self.__dict__:
            self.retriever.refresh()
        return report

    def status(self) -> dict:
        docs = self.store.documents()
        return {"documents": len(docs), "chunks": sum(d["chunks"] for d in docs), "backend": self.backend_name()}

"""The answer pipeline and the Python API: ``Assistant.open(index_dir).ask(question, history=...)``.

Orchestration only: the question (:mod:`assistant.question`), retrieval (:mod:`assistant.retrieve`),
the context (:mod:`assistant.context`), the gate (:mod:`assistant.gate`), the extractive answer or a
model's (:mod:`assistant.extractive`, :mod:`assistant.prompting`, :mod:`assistant.llm.registry`),
and citation verification (:mod:`assistant.verify`). One object holds the models for the life of
a process (CLI batch, web app, evaluation); :meth:`Assistant.stream` yields typed events.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from assistant import gate
from assistant.chronology import asks_chronology, chronology_answer, chronology_subject
from assistant.context import answer_context, surroundings, trim_passages
from assistant.extractive import extractive_answer, key_sentences
from assistant.llm import registry
from assistant.llm.base import ChatBackend
from assistant.newest import asks_present
from assistant.prompting import REFUSAL, answer_messages
from assistant.question import clean_question, expand_acronyms, standalone_question, trim_history
from assistant.relations import Relations
from assistant.retrieve import Filters, HybridRetriever
from assistant.verify import verify
from core.settings import Settings, get_settings
from core.text.generations import earlier_note
from core.text.instructions import strip_echoed_delimiters
from core.text.markers import claim_text
from core.types import Answer, Citation, Passage
from index.bm25 import Vocabulary


@dataclass(frozen=True)
class Retrieved:
    """The passages found, before any text: the sources panel can show them at once."""

    passages: list[Passage]


@dataclass(frozen=True)
class Delta:
    """More text of the answer being written."""

    text: str


@dataclass(frozen=True)
class Quick:
    """A short cited answer made of the passages' own sentences, as soon as retrieval is done, when
    a language model is about to write: the user reads it while the model's synthesis streams."""

    text: str
    citations: list[Citation]

    def to_dict(self) -> dict:
        """What the JSON (``Answer.quick``), the chat and ``/chat`` show of it."""
        return {"answer": self.text, "citations": [c.to_dict() for c in self.citations]}


@dataclass(frozen=True)
class Reset:
    """The text streamed so far is replaced by this one (the extractive answer instead of the model's)."""

    text: str


@dataclass(frozen=True)
class Done:
    """The final, verified answer."""

    answer: Answer


Event = Retrieved | Quick | Delta | Reset | Done


class Assistant:
    """The assistant over one index. ``store``, ``embed_model`` and ``retriever`` may be given (shared
    between assistants, or another retriever: anything with ``retrieve``, ``refresh``, ``vocabulary``);
    otherwise each is made on first use from ``settings``."""

    def __init__(self, settings: Settings, store=None, embed_model=None, retriever=None):
        self.settings = settings
        self._store = store
        self._embed_model = embed_model
        self._retriever = retriever
        self._backends: dict[str, ChatBackend | None] = {}
        self._relations: tuple[str, Relations] | None = None
        self._lock = threading.Lock()

    @classmethod
    def open(cls, index_dir: str | Path | None = None, llm: str | None = None, **overrides) -> Assistant:
        return cls(get_settings(index_dir=index_dir, llm=llm, **overrides))

    # -- components, loaded once -------------------------------------------------
    @property
    def embed_model(self):
        if self._embed_model is None:
            from index.embeddings import make_embed_model

            self._embed_model = make_embed_model(self.settings)
        return self._embed_model

    @property
    def store(self):
        if self._store is None:
            from index.store import ChunkStore

            self._store = ChunkStore(self.settings)
        return self._store

    @property
    def retriever(self) -> HybridRetriever:
        with self._lock:
            if self._retriever is None:
                self._retriever = HybridRetriever(self.store, self.embed_model, self.settings)
        return self._retriever

    @property
    def vocabulary(self) -> Vocabulary:
        return self.retriever.vocabulary

    def backend_name(self, llm: str | None = None) -> str:
        return registry.resolve(llm, self.settings)

    def backend(self, name: str) -> ChatBackend | None:
        """The backend ``name`` (resolved), made once per assistant; None for extractive."""
        name = registry.resolve(name, self.settings)
        with self._lock:
            if name not in self._backends:
                self._backends[name] = registry.create(name, self.settings)
            return self._backends[name]

    # -- answering -----------------------------------------------------------------
    def read(self, question: str) -> tuple[str, dict[str, str]]:
        """The question as retrieval reads it: acronyms the corpus never writes read in full
        (:func:`assistant.question.expand_acronyms`), and those expanded."""
        self.retriever.refresh()
        return expand_acronyms(question, self.retriever.acronyms, self.vocabulary)

    def retrieve(
        self, question: str, filters: Filters = Filters(), k: int | None = None, mode: str = "hybrid"
    ):
        return self._search(self.read(question)[0], filters, k, mode)

    def prompt_passages(self, question: str, settings: Settings | None = None) -> tuple[str, list[Passage]]:
        """(the question as read, the passages a model's answer prompt shows) for a question that
        stands alone, built as :meth:`stream` builds them (retrieval, neighbours merged, best
        sentences kept); ``settings`` overrides the assistant's (for a fit of their sizes)."""
        s = settings or self.settings
        read, _ = self.read(self.clean(question))
        context = answer_context(self._search(read, Filters(), None, "hybrid"), s)
        return read, trim_passages(read, context, self.vocabulary, s)[0]

    def _search(self, read: str, filters: Filters, k: int | None, mode: str) -> list[Passage]:
        """Retrieval of a question already :meth:`read`."""
        nodes = self.retriever.retrieve(read, filters, k or self.settings.top_k, mode=mode)
        passages = [Passage.from_node(n) for n in nodes]
        # the index version that :meth:`read` just checked, when the retriever keeps one
        relations = self.relations(getattr(self.retriever, "version", None))
        for p in passages:
            link = relations.newer(p.path)
            if link is not None:
                p.superseded, p.superseded_by = relations.note(link), (link.relation, link.source)
        return passages

    def relations(self, token: str | None = None) -> Relations:
        """The links between the indexed texts (:mod:`assistant.relations`), rebuilt when the index
        version (``token``, read from the index when not given) changes."""
        token = token or self.store.version.get()
        with self._lock:
            if self._relations is None or self._relations[0] != token:
                self._relations = (token, Relations(self.store.documents()))
            return self._relations[1]

    def clean(self, question: str) -> str:
        """The question as the assistant reads it; raises :class:`assistant.question.QuestionError`."""
        return clean_question(question, self.settings)

    def ask(
        self,
        question: str,
        history: list[dict] | None = None,
        filters: Filters | None = None,
        llm: str | None = None,
        mode: str = "hybrid",
    ) -> Answer:
        for event in self.stream(question, history, filters, llm, mode):
            if isinstance(event, Done):
                return event.answer
        raise AssertionError("stream ended without an answer")  # pragma: no cover

    def stream(
        self,
        question: str,
        history: list[dict] | None = None,
        filters: Filters | None = None,
        llm: str | None = None,
        mode: str = "hybrid",
    ) -> Iterator[Event]:
        """Yield :class:`Retrieved`, then :class:`Delta` (and :class:`Reset`) events, then :class:`Done`."""
        s = self.settings
        started = time.perf_counter()
        question = self.clean(question)
        name = self.backend_name(llm)
        backend = self.backend(name)
        standalone = standalone_question(question, trim_history(history, s.history_turns), backend)
        t0 = time.perf_counter()
        standalone, acronyms = self.read(standalone)
        retrieved = self._search(standalone, filters or Filters(), None, mode)
        context = answer_context(retrieved, s)
        timings = {"condense": (t0 - started) * 1000, "retrieve": (time.perf_counter() - t0) * 1000}
        yield Retrieved(retrieved)
        t1 = time.perf_counter()
        answer = Answer(
            question=question,
            answer=REFUSAL,
            abstained=True,
            retrieved=retrieved,
            standalone_question=standalone,
            backend=name,
            acronyms=acronyms,
        )
        vocab = self.vocabulary
        # a chronology is a dated list made from the passages, whatever the backend; the gate judges
        # what it is about (« la chronologie de X » is about X)
        chronology, judged = "", standalone
        if asks_chronology(standalone):
            judged = chronology_subject(standalone)
            chronology = chronology_answer(judged, context, vocab, s)
        decision = gate.decide(judged, context, vocab, s)
        text, citations, quoted = "", [], None  # quoted: the lines added verbatim under a model's answer
        if not decision.refuse and (backend is None or chronology):
            raw = chronology or extractive_answer(standalone, context, vocab, s)
            yield Delta(raw)
            decision = gate.decide(judged, context, vocab, s, draft=raw, previous=decision)
            if not decision.refuse:
                text, citations = verify(raw, context, s)
                decision = gate.decide(judged, context, vocab, s, cited=len(citations), previous=decision)
        elif not decision.refuse:
            quick = self._quick(standalone, context, vocab)
            if quick is not None:
                timings["quick"] = (time.perf_counter() - started) * 1000
                answer.quick = quick.to_dict()
                yield quick
            decision, text, citations, quoted, answer.draft = yield from self._generate(
                backend, standalone, context, vocab, decision
            )
            if decision.fallback:
                answer.fallback_reason = decision.reason
                # The model wrote nothing the passages support (e.g. bare markers), or refused
                # over strong evidence: show the extractive answer instead.
                text, citations = verify(extractive_answer(standalone, context, vocab, s), context, s)
                answer.fallback, quoted = "extractive", None
                yield Reset(text)
                decision = gate.decide(standalone, context, vocab, s, cited=len(citations), previous=decision)
        if decision.refuse:
            answer.refusal_reason = decision.reason
            answer.suggestions = self.suggestions(retrieved)
        else:
            note = earlier_note(
                standalone,
                [(f"{c.passage.title}\n{c.passage.text}", int(c.passage.date[:4] or 0)) for c in citations],
                asks_present(standalone),
            )
            answer.answer, answer.citations, answer.abstained = (
                (f"{note}\n" if note else "") + text,
                citations,
                False,
            )
            answer.sentences = line_origins(text, quoted)
            if note:
                answer.sentences.insert(0, {"text": note, "origin": "note"})
        timings["generate"] = (time.perf_counter() - t1) * 1000
        timings["total"] = (time.perf_counter() - started) * 1000
        answer.timings_ms = timings
        yield Done(answer)

    def _quick(self, question: str, context: list[Passage], vocab: Vocabulary) -> Quick | None:
        """The extractive answer cut to ``quick_sentences``, checked like any answer; None when
        no sentence of it is supported (the model's answer then comes alone)."""
        s = self.settings
        if s.quick_sentences <= 0:
            return None
        short = s.model_copy(update={"answer_max_sentences": s.quick_sentences})
        text, citations = verify(extractive_answer(question, context, vocab, short), context, s)
        return Quick(text, citations) if citations else None

    def _generate(
        self,
        backend: ChatBackend,
        question: str,
        context: list[Passage],
        vocab: Vocabulary,
        decision: gate.Decision,
    ):
        """Stream the model's answer; return (decision, text, citations, the lines added verbatim,
        the model's own text before the check).

        The model sees the passages cut to their best sentences; its sentences are checked
        against the whole passages. The best sentence of the passages, when the model did not say
        it, and the dated sentences it left out of a « quand » answer are added verbatim.
        """
        s = self.settings
        prompt_passages, sources = trim_passages(question, context, vocab, s)
        pieces = []
        for piece in backend.stream(answer_messages(question, prompt_passages), max_tokens=s.llm_max_tokens):
            pieces.append(piece)
            yield Delta(piece)
        raw = draft = "".join(pieces)
        decision = gate.decide(question, context, vocab, s, draft=raw, by_model=True, previous=decision)
        if decision.refuse or decision.fallback:
            return decision, "", [], None, draft
        text, citations = verify(raw, sources, s)
        # the newest text's statement, named, before the model's words (assistant.newest); the
        # sentences it left out under them
        lead, key = key_sentences(question, text, sources, vocab, s) if citations else ("", "")
        if key or lead:
            yield Delta("\n" + "\n".join(x for x in (lead, key) if x))
            if lead:  # the model's line that only repeats the named statement goes
                said = _plain(lead).lower()
                raw = "\n".join(line for line in raw.splitlines() if _plain(line).lower() not in said)
            text, citations = verify("\n".join(x for x in (lead, raw, key) if x), sources, s)
        return (
            gate.decide(question, context, vocab, s, cited=len(citations), by_model=True, previous=decision),
            text,
            citations,
            {_plain(line) for line in f"{lead}\n{key}".splitlines() if line.strip()},
            draft,
        )

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

    def surroundings(self, passages: list[dict], chars: int = 600) -> list[tuple[str, str]]:
        """The text before and after each passage or citation (``to_dict()``) in its document: its
        context. Each document is read from the index once."""
        documents = {
            doc_id: self.store.document_text(doc_id) for doc_id in {p.get("doc_id", "") for p in passages}
        }
        return [
            surroundings(
                documents[p.get("doc_id", "")], int(p.get("start") or 0), int(p.get("end") or 0), chars
            )
            for p in passages
        ]

    # -- library -------------------------------------------------------------------
    def ingest(self, paths: list[Path], prune: bool = False, progress: bool = False):
        from index.ingestor import Ingestor

        report = Ingestor(self.settings, store=self.store, embed_model=self.embed_model).run(
            paths, prune, progress
        )
        if self._retriever is not None:
            self._retriever.refresh()
        return report

    def status(self) -> dict:
        docs = self.store.documents()
        return {
            "documents": len(docs),
            "chunks": sum(d["chunks"] for d in docs),
            "backend": self.backend_name(),
        }


def _plain(line: str) -> str:
    """A line compared with another whatever its markers, echoed extract tags and spacing (as
    :func:`verify` reads and writes it)."""
    return " ".join(claim_text(strip_echoed_delimiters(line)).split()).strip(" -").rstrip(".")


def line_origins(text: str, quoted: set[str] | None) -> list[dict]:
    """Each line of an answer with where it comes from: ``model`` (the language model's own
    words), ``quotation`` (a passage's sentence added verbatim under them) or ``extractive`` (an
    answer made of the passages' sentences: the extractive backend, or its fallback)."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        origin = "extractive" if quoted is None else "quotation" if _plain(line) in quoted else "model"
        out.append({"text": line, "origin": origin})
    return out


__all__ = ["Assistant", "Citation", "Event", "Retrieved", "Delta", "Reset", "Done"]

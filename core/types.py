"""The types every layer passes on: a chunk (ingest), a passage (retrieval), a citation and an answer.

``to_dict`` is each type's one serialisation; ``Answer.to_dict()`` is the stable JSON of the CLI,
the Python API and the web app (keys are only ever added).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.text.instructions import addresses_assistant


@dataclass
class Chunk:
    """A passage of a document as ingest cuts it: ``text == document.text[start:end]``."""

    text: str
    start: int
    end: int
    page: int | None  # page where the chunk starts (PDF), None for single-page formats
    heading: str
    index: int
    metadata: dict = field(default_factory=dict)
    page_end: int | None = None  # page where it ends (the same page unless a tiny tail ran over)
    page_breaks: tuple[tuple[int, int], ...] = ()  # (offset in ``text``, page) where a new page starts

    def page_breaks_field(self) -> str:
        """``page_breaks`` as a metadata string: « 812:3,1650:4 »."""
        return ",".join(f"{offset}:{page}" for offset, page in self.page_breaks)


@dataclass
class Passage:
    """A retrieved span of one document (possibly merged with its neighbours)."""

    node_id: str
    source: str
    title: str
    kind: str
    date: str
    page: int | None
    heading: str
    text: str
    start: int
    end: int
    score: float = 0.0
    path: str = ""
    doc_id: str = ""
    chunk_index: int = 0
    # (offset in ``text``, page) where each page of a merged passage starts; empty: ``page`` throughout
    page_starts: tuple[tuple[int, int], ...] = ()
    nature: str = ""  # « décret », « guide », « formation »… (ingest.identity)
    number: str = ""  # « 2011-628 »
    name: str = ""  # « Décret n° 2011-628 du 1er juin 2011 », "" for a text that does not name itself
    # a newer indexed text that modifies, abrogates or replaces this one (« Abrogé par … »), set at
    # query time from the library's relations (assistant.relations); "" when none
    superseded: str = ""
    superseded_by: tuple[str, str] = ()  # (relation, path of that newer text)

    def page_at(self, offset: int) -> int | None:
        """The page of the character at ``offset`` of ``text``."""
        page = self.page
        for start, number in self.page_starts:
            if start <= offset:
                page = number
        return page

    @classmethod
    def from_node(cls, node_with_score) -> Passage:
        """From a stored node with its score (anything with ``.node.metadata``, ``.node.get_content()``)."""
        node, meta = node_with_score.node, node_with_score.node.metadata
        return cls(
            node_id=node.node_id,
            source=meta.get("source", ""),
            title=meta.get("title", ""),
            kind=meta.get("kind", ""),
            date=meta.get("date", ""),
            page=int(meta.get("page") or 0) or None,
            heading=meta.get("heading", ""),
            text=node.get_content(),
            start=int(meta.get("start", 0)),
            end=int(meta.get("end", 0)),
            score=float(node_with_score.score or 0.0),
            path=meta.get("path", ""),
            doc_id=meta.get("doc_id", ""),
            chunk_index=int(meta.get("chunk_index", 0)),
            page_starts=_page_starts(meta),
            nature=meta.get("nature", ""),
            number=meta.get("number", ""),
            name=meta.get("name", ""),
        )

    @property
    def addresses_assistant(self) -> bool:
        """The passage holds orders given to an assistant (data, never an answer: shown flagged)."""
        return addresses_assistant(self.text)

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "title": self.title,
            "kind": self.kind,
            "date": self.date,
            "page": self.page,
            "heading": self.heading,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 6),
            "addresses_assistant": self.addresses_assistant,
            "nature": self.nature,
            "number": self.number,
            "name": self.name,
            "superseded": self.superseded,
            "doc_id": self.doc_id,  # the page viewer's and the file link's key (ui/pages.py)
        }


def _page_starts(meta: dict) -> tuple[tuple[int, int], ...]:
    """The page starts of a stored chunk: its first page, then its ``page_breaks`` field."""
    first = int(meta.get("page") or 0)
    if not first:
        return ()
    starts = [(0, first)]
    for item in str(meta.get("page_breaks") or "").split(","):
        offset, _, page = item.partition(":")
        if offset.isdigit() and page.isdigit():
            starts.append((int(offset), int(page)))
    return tuple(starts)


@dataclass
class Citation:
    """Marker ``[id]`` of an answer, the passage it points to, and the spans of the passage's
    sentences that support the claims citing it (offsets in ``passage.text``)."""

    id: int
    passage: Passage
    spans: list[tuple[int, int]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"id": self.id, **self.passage.to_dict(), "spans": [list(span) for span in self.spans]}


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[Passage] = field(default_factory=list)
    timings_ms: dict = field(default_factory=dict)
    standalone_question: str = ""
    backend: str = ""
    suggestions: list[dict] = field(default_factory=list)
    fallback: str | None = None
    refusal_reason: str = ""  # why the gate refused (empty when answered)
    acronyms: dict[str, str] = field(default_factory=dict)  # acronyms of the question read in full
    # each line of the answer and its origin: model | quotation | extractive | note (a warning put
    # before it, assistant.pipeline)
    sentences: list[dict] = field(default_factory=list)
    # the quick answer shown while a language model wrote (passages' own sentences, numbered on their
    # own citations): {"answer": …, "citations": […]}, or None
    quick: dict | None = None
    # what the language model wrote, before its sentences were checked against the passages (None
    # without a model), and why its answer gave way to the extractive one (``fallback``)
    draft: str | None = None
    fallback_reason: str = ""

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": [p.to_dict() for p in self.retrieved],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "standalone_question": self.standalone_question,
            "backend": self.backend,
            "suggestions": self.suggestions,
            "fallback": self.fallback,
            "refusal_reason": self.refusal_reason,
            "acronyms": self.acronyms,
            "sentences": self.sentences,
            "quick": self.quick,
            "draft": self.draft,
            "fallback_reason": self.fallback_reason,
        }

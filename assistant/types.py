"""What an answer is made of; ``to_dict`` is the stable JSON of the CLI, API and UI."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


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

    @classmethod
    def from_node(cls, node_with_score) -> "Passage":
        node, meta = node_with_score.node, node_with_score.node.metadata
        return cls(node_id=node.node_id, source=meta.get("source", ""), title=meta.get("title", ""),
                   kind=meta.get("kind", ""), date=meta.get("date", ""), page=int(meta.get("page") or 0) or None,
                   heading=meta.get("heading", ""), text=node.get_content(), start=int(meta.get("start", 0)),
                   end=int(meta.get("end", 0)), score=float(node_with_score.score or 0.0),
                   path=meta.get("path", ""), doc_id=meta.get("doc_id", ""),
                   chunk_index=int(meta.get("chunk_index", 0)))

    def retrieved_json(self) -> dict:
        return {"source": self.source, "title": self.title, "kind": self.kind, "page": self.page,
                "score": round(self.score, 6), "text": self.text, "start": self.start, "end": self.end}


@dataclass
class Citation:
    id: int
    passage: Passage

    def to_dict(self) -> dict:
        p = self.passage
        return {"id": self.id, "source": p.source, "title": p.title, "kind": p.kind, "date": p.date,
                "page": p.page, "heading": p.heading, "text": p.text, "start": p.start, "end": p.end}


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

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": [p.retrieved_json() for p in self.retrieved],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "standalone_question": self.standalone_question,
            "backend": self.backend,
            "suggestions": self.suggestions,
            "fallback": self.fallback,
        }


__all__ = ["Passage", "Citation", "Answer", "asdict"]

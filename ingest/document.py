"""Data types that flow through ingestion: a loaded document and its chunks."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Page:
    """A span of the document text that came from one page (PDF) or the whole file."""

    number: int | None
    start: int
    end: int


@dataclass
class Document:
    """A file turned into clean text; offsets of chunks refer to ``text``."""

    path: Path
    text: str
    pages: list[Page]
    metadata: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # usable, but not entirely (text cut at the cap, pages lost)

    def page_at(self, offset: int) -> int | None:
        for page in self.pages:
            if page.start <= offset < page.end:
                return page.number
        return self.pages[-1].number if self.pages else None


@dataclass
class Chunk:
    """A passage of a document with its character offsets and metadata."""

    text: str
    start: int
    end: int
    page: int | None  # page where the chunk starts (PDF), None for single-page formats
    heading: str
    index: int
    metadata: dict = field(default_factory=dict)
    page_end: int | None = None  # page where it ends (the same page unless a tiny tail ran over)

"""A loaded document: its clean text and its pages (chunks are :class:`core.types.Chunk`)."""

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
    warnings: list[str] = field(
        default_factory=list
    )  # usable, but not entirely (text cut at the cap, pages lost)

    def page_at(self, offset: int) -> int | None:
        for page in self.pages:
            if page.start <= offset < page.end:
                return page.number
        return self.pages[-1].number if self.pages else None

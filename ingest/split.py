"""Structure-first splitting: headings and blocks, then sentences up to a token budget.

Every chunk is an exact span ``doc.text[start:end]`` and carries its pages and
the path of headings above it ("Titre > Section > Sous-section"). A page break
(PDF) ends a chunk like a heading does, unless the chunk is still very small, so
that the page cited for a passage is the page its text is on.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from core.settings import Settings, get_settings
from core.text.sentences import ENUMERATION, sentence_spans
from core.types import Chunk
from ingest.document import Document

CHARS_PER_TOKEN = 3.6  # measured on French text with the e5 (XLM-R) tokenizer
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def count_tokens(text: str) -> int:
    return max(1, round(len(text) / CHARS_PER_TOKEN))


@dataclass
class _Unit:
    start: int
    end: int
    heading: str
    new_section: bool  # first unit under a heading
    block: int = 0  # blocks are separated by blank lines; a list or a slide body is one block
    page: int | None = None


def _is_heading_line(line: str) -> bool:
    stripped = line.strip()
    if not stripped or len(stripped) > 90 or ENUMERATION.match(stripped):
        return False
    if stripped[-1] in ".,;:" or not (stripped[0].isupper() or stripped[0].isdigit()):
        return False
    return len(stripped.split()) <= 14 and not stripped.isdigit()


# A line break followed by a blank line: where one block ends.
_BLOCK_END = re.compile(r"\n(?=[ \t]*\n)")


def _blocks(text: str):
    """Yield (start, end) of blocks separated by blank lines (a block opens at its first character
    that is not a line break). Cut at the breaks rather than matched whole, so that memory does not
    grow with a block's length (a 20 MB single line)."""
    start = 0
    for end in [*(m.start() for m in _BLOCK_END.finditer(text)), len(text)]:
        while start < end and text[start] == "\n":
            start += 1
        if text[start:end].strip():
            yield start, end
        start = end + 1


def _page_finder(doc: Document):
    """``offset -> page number`` in O(log pages) (``Document.page_at`` is linear)."""
    starts = [page.start for page in doc.pages]
    if not starts:
        return lambda offset: None

    def find(offset: int) -> int | None:
        return doc.pages[max(0, bisect_right(starts, offset) - 1)].number

    return find


def _units(doc: Document) -> list[_Unit]:
    """Sentences in reading order (the one segmenter, ``core.text.sentences``: a sentence wrapped
    over lines stays one unit), each tagged with its heading path and page; a heading line is a
    unit of its own that opens a section."""
    text = doc.text
    page_of = _page_finder(doc)
    stack: list[tuple[int, str]] = []
    units: list[_Unit] = []
    pending_section = True
    first_block = True
    for block_no, (b_start, b_end) in enumerate(_blocks(text)):
        block = text[b_start:b_end]
        single_line = "\n" not in block.strip()
        for s_start, s_end in sentence_spans(block):
            start, end = b_start + s_start, b_start + s_end
            line = text[start:end]
            md = _MD_HEADING.match(line) if "\n" not in line else None
            if md or (single_line and _is_heading_line(line)):
                level = len(md.group(1)) if md else (1 if first_block else 2)
                title = (md.group(2) if md else line).strip()
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, title))
                units.append(_Unit(start, end, _path(stack), True, block_no, page_of(start)))
                pending_section = False
                continue
            units.append(_Unit(start, end, _path(stack), pending_section, block_no, page_of(start)))
            pending_section = False
        first_block = False
    return units


def _path(stack: list[tuple[int, str]]) -> str:
    return " > ".join(title for _, title in stack)


def split_document(doc: Document, settings: Settings | None = None) -> list[Chunk]:
    """Split ``doc`` into chunks of about ``settings.chunk_size`` tokens (never mid-sentence when avoidable)."""
    settings = settings or get_settings()
    chunk_size, overlap, min_size = settings.chunk_size, settings.chunk_overlap, settings.chunk_min_size
    text = doc.text
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    carried = 0  # how many units at the head of ``current`` repeat the end of the previous chunk
    size = 0
    for unit in _explode_long(_units(doc), text, chunk_size):
        tokens = count_tokens(text[unit.start : unit.end])
        new_page = bool(current) and unit.page != current[-1].page
        if new_page and size < min_size and carried and len(current) > carried:
            # the small end of a page, after a chunk cut for size, joins that chunk rather than
            # starting one that runs over onto the next page (the page cited must hold the text)
            groups[-1].extend(current[carried:])
            current, carried, size = [], 0, 0
        boundary = (unit.new_section or new_page) and size >= min_size
        # finish a block (a list, a slide) rather than cut it, within a 30 % margin
        mid_block = current and unit.block == current[-1].block and size + tokens <= 1.3 * chunk_size
        if current and (boundary or (size + tokens > chunk_size and not mid_block)):
            groups.append(current)
            current = [] if boundary else _overlap_tail(current, text, overlap)
            carried = len(current)
            size = sum(count_tokens(text[u.start : u.end]) for u in current)
        current.append(unit)
        size += tokens
    if current:
        groups.append(current)
    chunks = []
    for group in groups:
        start, end = group[0].start, group[-1].end
        heading = next((u.heading for u in group if u.new_section), group[0].heading)
        chunks.append(
            Chunk(
                text=text[start:end],
                start=start,
                end=end,
                page=group[0].page,
                heading=heading,
                index=len(chunks),
                page_end=group[-1].page,
                page_breaks=tuple(
                    (u.start - start, u.page)
                    for before, u in zip(group, group[1:], strict=False)
                    if u.page and u.page != before.page
                ),
            )
        )
    return chunks


def _overlap_tail(units: list[_Unit], text: str, overlap: int) -> list[_Unit]:
    tail, size = [], 0
    for unit in reversed(units):
        tokens = count_tokens(text[unit.start : unit.end])
        if size + tokens > overlap:
            break
        tail.insert(0, _Unit(unit.start, unit.end, unit.heading, False, unit.block, unit.page))
        size += tokens
    return tail


def _explode_long(units: list[_Unit], text: str, chunk_size: int):
    """A sentence longer than a chunk (tables, run-on lines) is cut at word boundaries."""
    limit = int(chunk_size * CHARS_PER_TOKEN)
    for unit in units:
        if unit.end - unit.start <= limit:
            yield unit
            continue
        start, first = unit.start, True
        while start < unit.end:
            end = min(unit.end, start + limit)
            if end < unit.end:
                end = _clause_end(text, start + limit // 2, end)
            yield _Unit(start, end, unit.heading, unit.new_section and first, unit.block, unit.page)
            first = False
            start = end
            while start < unit.end and text[start].isspace():
                start += 1


def _clause_end(text: str, low: int, high: int) -> int:
    """Where to cut a sentence too long for a chunk, in ``text[low:high]``: after its last clause
    (« ; », « : »), else its last comma, else its last space (``high`` when there is none)."""
    for marks in ((";", ":"), (",",), ("",)):
        found = max(text.rfind(f"{mark} ", low, high) for mark in marks)
        if found > low:
            return found + len(marks[0]) if marks[0] else found
    return high

"""French sentences: where they start and end in a text, keeping abbreviations and wrapped lines whole.

``sentence_spans`` is the one sentence splitter: chunking at ingest, answer scoring, the citation
check and the highlighting of the cited sentence all read the same sentences.
"""

from __future__ import annotations

import re

# A list item: a bullet or a number (« - », « • », « 2. », « 3) ») followed by a space.
LIST_ITEM = re.compile(r"^\s*(?:[-*•–·▪]|\d{1,2}[.)])\s+")
# A Markdown heading's marks (« ## »), at a line's start.
HEADING_MARK = re.compile(r"^[ \t]*#{1,6}[ \t]+")
# The bullets opening a line (no number), as an answer line or a list line shows them.
LIST_BULLET = re.compile(r"^\s*(?:[-*•–·▪↳]\s*)+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"»)]?\s+(?=[«\"(\[A-ZÀ-ÖØ-Þ0-9])")
_ABBREVIATION = re.compile(r"(?:\b(?:M|Mme|MM|Dr|art|cf|p|pp|n|no|vol|etc|ex|env|av|apr|J\.-C)\.|\b[A-Z]\.)$")
_ABBREVIATION_SPAN = 8  # longest abbreviation above, with its dot, plus the word boundary before it


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line-bounded sentence of ``text``."""
    spans, start, pos = [], 0, 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        end = pos + len(line)
        following = lines[i + 1].lstrip() if i + 1 < len(lines) else ""
        if not _wrapped(line, following):
            spans.extend(_with_fragments(text, sentences_between(text, start, end)))
            start = end + 1
        pos = end + 1
    return spans


def is_fragment(sentence: str) -> bool:
    """Under four words: a label, a page count, « Oui. », not a sentence of its own."""
    return len(sentence.split()) < 4


def _with_fragments(text: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A fragment of under four words joins the sentence before it on its line, or the one after
    when it opens the line: « Villes et Territoires LR, septembre 2016. 112 p. » is one reference."""
    joined: list[tuple[int, int]] = []
    for start, end in pieces:
        if joined and (is_fragment(text[start:end]) or is_fragment(text[slice(*joined[-1])])):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _wrapped(line: str, following: str) -> bool:
    """A hard line break inside a sentence (PDF text): the line does not end a sentence or a
    heading and the next one goes on in lower case."""
    tail = line.rstrip()
    return bool(
        tail
        and following
        and tail[-1] not in '.!?…:;»"'
        and following[0].islower()
        and not LIST_ITEM.match(following)
    )


def sentences_between(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of the sentences inside ``text[start:end]``, keeping abbreviations whole."""
    pieces, cursor = [], start
    for match in _SENTENCE_END.finditer(text, start, end):
        # only the few characters before the stop can be an abbreviation: searching from the
        # cursor would make a long line without a real sentence end quadratic
        if _ABBREVIATION.search(text, max(cursor, match.start() - _ABBREVIATION_SPAN), match.start()):
            continue
        pieces.append((cursor, match.start()))
        cursor = match.end()
    pieces.append((cursor, end))
    return [(s, e) for s, e in pieces if text[s:e].strip()]


def windows(text: str):
    """Each sentence of ``text`` with the words it is read in: a fragment on a line of its own
    (« 112 p. ») with the sentence before it."""
    previous = ""
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        yield sentence, (f"{previous} {sentence}" if is_fragment(sentence) else sentence)
        previous = sentence

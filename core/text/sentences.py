"""French sentences: where they start and end in a text, keeping abbreviations and wrapped lines whole.

``sentence_spans`` is the one sentence splitter: chunking at ingest, answer scoring, the citation
check and the highlighting of the cited sentence all read the same sentences.
"""

from __future__ import annotations

import re

from core.text.furniture import is_furniture

# A list item: a bullet or a number (« - », « • », « 2. », « 3) ») followed by a space.
LIST_ITEM = re.compile(r"^\s*(?:[-*•–·▪]|\d{1,2}[.)])\s+")
# An enumeration mark at a line's start, as lists and legal texts write them: a list item, « 1° »,
# « 12 bis° », « a) », « I. – », « II.- »: the line opens a sentence of its own.
ENUMERATION = re.compile(
    rf"{LIST_ITEM.pattern}|^\s*(?:\d{{1,3}}(?:\s?(?:bis|ter|quater))?\s?°|[a-z]\)\s|[IVXL]{{1,6}}\.?\s?[-–—])"
)
# A Markdown heading's marks (« ## »), at a line's start.
HEADING_MARK = re.compile(r"^[ \t]*#{1,6}[ \t]+")
# The bullets opening a line (no number), as an answer line or a list line shows them.
LIST_BULLET = re.compile(r"^\s*(?:[-*•–·▪↳]\s*)+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])((?:[ \t\u00a0\u202f]?[\"»)])?)\s+(?=[«\"(\[A-ZÀ-ÖØ-Þ0-9])")
# What a stop may end without ending the sentence: a title (« M. », « Mme »), a legal reference's
# prefix (« art. », « al. », « n. », « L. », « R. », « L.O. »), a page (« p. », « pp. »), a usual
# short form (« cf. », « ex. », « env. », « vol. », « chap. »), an initial.
_ABBREVIATION = re.compile(
    r"(?:\b(?:M|Mme|Mmes|MM|Mlle|Dr|Me|art|arts|al|cf|p|pp|n|no|vol|chap|sect|ann|ex|env|av|apr|"
    r"suiv|s|ss|min|éd|coll|dir|op|J\.-C)\.|\b[A-Z]\.)$"
)
_ABBREVIATION_SPAN = 8  # longest abbreviation above, with its dot, plus the word boundary before it
# A line that cannot end a sentence: it stops on a comma, an opening mark, a reference's prefix
# (« l'article », « n° », « L. ») or a word that always has a word after it (articles,
# prepositions, conjunctions): a hard line break inside a sentence, whatever the next line's case.
_OPEN_END = re.compile(
    r"(?:[,(«\[–-]|\b(?:le|la|les|l'|un|une|des|du|de|d'|à|au|aux|et|ou|ni|en|par|pour|sur|dans|"
    r"avec|sans|sous|entre|vers|chez|selon|que|qu'|qui|dont|où|ne|se|sa|son|ses|leur|leurs|ce|cette|"
    r"ces|notamment|article|articles|alinéa|n°|no|art\.|al\.|[A-Z]\.|M\.|Mme|MM\.))$",
    re.I,
)
_OPENERS, _CLOSERS = "(«[", ")»]"
_MARK = re.compile(r"[(«\[)»\]]")
_QUOTE_REACH = 300  # a stop inside parentheses or quotes holds only if they close within this reach


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence of ``text``: a sentence crosses the hard line breaks inside it
    (:func:`_wrapped`); a blank line, a heading, a title line and each list item end one."""
    spans, start, pos = [], 0, 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        end = pos + len(line)
        following = lines[i + 1] if i + 1 < len(lines) else ""
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
    """A hard line break inside a sentence (PDF text, a wrapped paragraph): the line does not end a
    sentence, a heading or a title, the next line opens no list item, heading or table row, and
    either the next line goes on in lower case or the line stops where no sentence can."""
    tail, head = line.rstrip(), following.strip()
    if not tail or not head or HEADING_MARK.match(line) or HEADING_MARK.match(following):
        return False
    if ENUMERATION.match(following) or head[0] == "|" or tail[-1] == "|" or is_furniture(tail):
        return False
    if _OPEN_END.search(tail):
        return True
    return tail[-1] not in '.!?…:;»"' and head[0].islower()


def sentences_between(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of the sentences inside ``text[start:end]``, keeping abbreviations whole and
    what parentheses or quotes hold (when they close within reach)."""
    pieces, cursor, depth, counted = [], start, 0, start
    for match in _SENTENCE_END.finditer(text, start, end):
        stop = match.start()
        if _abbreviation_before(text, stop, cursor):
            continue
        closed = match.end(1)  # after the quote or parenthesis the stop closes, if any
        depth = _depth(text, counted, closed, depth)
        counted = closed
        if depth > 0 and _closes(text, closed, min(end, closed + _QUOTE_REACH)):
            continue
        depth = 0
        pieces.append((cursor, closed))
        cursor = counted = match.end()
    pieces.append((cursor, end))
    return [(s, e) for s, e in pieces if text[s:e].strip()]


def _abbreviation_before(text: str, stop: int, floor: int = 0) -> bool:
    """``text[:stop]`` ends on an abbreviation (not before ``floor``). Only the few characters
    before the stop are searched: searching from ``floor`` would make a long line without a real
    sentence end quadratic."""
    return bool(_ABBREVIATION.search(text, max(floor, stop - _ABBREVIATION_SPAN), stop))


def ends_on_abbreviation(text: str) -> bool:
    """``text`` stops on an abbreviation (« l'article L. », « M. », « art. »): the stop that ends it
    does not end a sentence."""
    tail = text.rstrip()
    return _abbreviation_before(tail, len(tail))


def _depth(text: str, start: int, end: int, depth: int) -> int:
    """The parentheses and quotes still open at ``end``, from ``depth`` at ``start`` (counted, not
    walked: linear in C whatever the text's length)."""
    piece = text[start:end]
    opened = sum(piece.count(char) for char in _OPENERS)
    closed = sum(piece.count(char) for char in _CLOSERS)
    return max(0, depth + opened - closed)


def _closes(text: str, start: int, end: int) -> bool:
    """A closing parenthesis or quote comes before the next opening one in ``text[start:end]``."""
    found = _MARK.search(text, start, end)
    return bool(found) and found.group() in _CLOSERS


def windows(text: str):
    """Each sentence of ``text`` with the words it is read in: a fragment on a line of its own
    (« 112 p. ») with the sentence before it."""
    previous = ""
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        yield sentence, (f"{previous} {sentence}" if is_fragment(sentence) else sentence)
        previous = sentence

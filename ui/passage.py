"""A passage as a reader expects it: paragraphs, headings and list items, the cited sentences marked.

Indexed text keeps its source's line breaks: a PDF breaks every line, Markdown writes ``## Titre``
and ``- item``. :func:`blocks` cuts a text into headings, list items and paragraphs (a line much
shorter than the text's longest closes the paragraph when it ends a sentence or the next line starts
with a capital); inside
one, line breaks become spaces and a word cut by a hyphen at a line's end is put back together.
Offsets are those of the original text, so the cited spans (``Citation.spans``) land on the words
they name. Everything is escaped here.
"""

from __future__ import annotations

import html
import re

from core.text.sentences import HEADING_MARK, LIST_ITEM

_SENTENCE_END = re.compile(r"[.!?:;»)]\s*$")
_CUT_WORD = re.compile(r"(?<=[^\W\d_])-\r?\n(?=[a-zà-ÿ])")  # « contrac-|tualisation »
_CUT_NAME = re.compile(r"(?<=[^\W\d_])-\r?\n(?=[A-ZÀ-Ý])")  # « Île-de-|France »
_LINE_BREAK = re.compile(r"\s*\n\s*")
_STRONG = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
SHORT_LINE = 0.7  # a line under this share of the text's longest ends it, when it ends a sentence


def blocks(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) of each heading, item and paragraph of ``text`` ("heading", "item", "para");
    ``text[start:end]`` is the block without its ``#`` or bullet."""
    out: list[list] = []
    open_block, previous = False, ""
    longest = max((len(line.strip()) for line in text.splitlines()), default=0)  # the text's line width
    offset = 0
    for line in text.splitlines(keepends=True):
        start, body = offset, line.rstrip("\r\n")
        offset += len(line)
        stripped = body.strip()
        if not stripped:
            open_block = False
            continue
        lead = start + len(body) - len(body.lstrip())
        end = start + len(body.rstrip())
        heading, item = HEADING_MARK.match(body), LIST_ITEM.match(body)
        # a short line ends its paragraph when it ends a sentence or when a capital starts the next
        # (a PDF's title line: « Composition »)
        closes = len(previous.strip()) < SHORT_LINE * longest and (
            _SENTENCE_END.search(previous) or stripped[:1].isupper()
        )
        if heading:
            out.append(["heading", start + heading.end(), end])
            open_block = False
            continue
        if item or not open_block or closes:
            out.append(["item" if item else "para", start + item.end() if item else lead, end])
            open_block = True
        else:
            out[-1][2] = end
        previous = body
    return [(kind, start, end) for kind, start, end in out if end > start]


def _joined(text: str) -> str:
    return _LINE_BREAK.sub(" ", _CUT_NAME.sub("-", _CUT_WORD.sub("", text)))


def _inline(text: str) -> str:
    return _STRONG.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", html.escape(_joined(text)))


def paragraphs(text: str) -> list[str]:
    """``text`` as plain paragraphs (exports, the terminal): lines joined, ``#`` dropped, items « • »."""
    return [
        ("• " if kind == "item" else "") + _joined(text[start:end]) for kind, start, end in blocks(text or "")
    ]


def _marked(text: str, start: int, end: int, spans) -> str:
    """``text[start:end]`` as HTML, the parts inside ``spans`` in ``<mark class="cited">``."""
    out, at = [], start
    for lo, hi in spans:
        lo, hi = max(lo, start), min(hi, end)
        if lo >= hi:
            continue
        out.append(_inline(text[at:lo]))
        out.append(f'<mark class="cited">{_inline(text[lo:hi])}</mark>')
        at = hi
    out.append(_inline(text[at:end]))
    return "".join(out)


def passage_html(text: str, spans=()) -> str:
    """``text`` as paragraphs, headings (``<p class="p-heading">``, not a heading element: the page's
    outline is the app's) and list items, the cited ``spans`` (character offsets) marked."""
    text, spans = text or "", sorted((int(a), int(b)) for a, b in spans or ())
    parts = []
    for kind, start, end in blocks(text):
        body = _marked(text, start, end, spans)
        if kind == "heading":
            parts.append(f'<p class="p-heading"><strong>{body}</strong></p>')
        elif kind == "item":
            parts.append(f'<p class="p-item">• {body}</p>')
        else:
            parts.append(f"<p>{body}</p>")
    return "".join(parts)

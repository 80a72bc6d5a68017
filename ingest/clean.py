"""Text cleaning: markdown links, hyphenation, page furniture, whitespace."""

from __future__ import annotations

import re
from collections import Counter

from core.text.instructions import strip_template
from core.text.unicode import clean_unicode

_AUTOLINK = re.compile(r"\s*\(?<(?:https?|mailto):[^>\s]*>\)?|\s*\(/[\w./-]+\)")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
_HYPHEN_BREAK = re.compile(r"(\w)-[ \t]*\n[ \t]*([a-zàâäçéèêëîïôöùûüÿœæ])")
_SLIDE_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
_MANY_BLANKS = re.compile(r"\n{3,}")
_BOLD = re.compile(r"(\*\*|__)(.+?)\1")
_INLINE_TAGS = re.compile(r"</?(?:sup|sub|b|i|em|strong|span|u|small|mark|abbr)\b[^>]*>", re.I)


def normalize_unicode(text: str) -> str:
    """Line ends as ``\n``, clean Unicode (:func:`core.text.unicode.clean_unicode`), no chat-template
    token or prompt delimiter (a document is data, never instructions)."""
    return strip_template(clean_unicode(text.replace("\r\n", "\n").replace("\r", "\n")))


def strip_markdown_links(text: str) -> str:
    text = _AUTOLINK.sub("", text)
    text = _MD_IMAGE.sub(lambda m: m.group(1), text)
    return _MD_LINK.sub(lambda m: m.group(1), text)


def dehyphenate(text: str) -> str:
    """Rejoin words cut by a hyphen at the end of a line (``contrac-\\ntualisation``)."""
    return _HYPHEN_BREAK.sub(r"\1\2", text)


def drop_slide_numbers(text: str) -> str:
    """Drop lines holding only a number (slide or page numbers)."""
    return "\n".join("" if _SLIDE_NUMBER.match(line) else line for line in text.split("\n"))


def _furniture_key(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip().lower())


def repeated_furniture(pages: list[str], edge: int = 3) -> set[str]:
    """Lines found at the top or bottom of most pages (headers, footers, 'page 3/5')."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for page in pages:
        lines = [line for line in page.split("\n") if line.strip()]
        counts.update({_furniture_key(line) for line in lines[:edge] + lines[-edge:]})
    threshold = max(3, int(0.6 * len(pages)))
    return {key for key, n in counts.items() if n >= threshold and key}


def drop_furniture(page: str, furniture: set[str]) -> str:
    if not furniture:
        return page
    return "\n".join(line for line in page.split("\n") if _furniture_key(line) not in furniture)


def tidy(text: str) -> str:
    """Collapse runs of spaces, strip line ends, keep paragraphs and list items."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return _MANY_BLANKS.sub("\n\n", text).strip()


def clean_text(text: str, *, markdown: bool = True) -> str:
    """The cleaning every format goes through once it is plain text."""
    text = normalize_unicode(text)
    if markdown:
        text = strip_markdown_links(text)
        text = _BOLD.sub(r"\2", text)
        text = _INLINE_TAGS.sub("", text)
    text = dehyphenate(text)
    text = drop_slide_numbers(text)
    return tidy(text)

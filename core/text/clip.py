"""A text cut to a length at a word: a title in a prompt, a question in the sources panel."""

from __future__ import annotations


def clip(text: str, limit: int) -> str:
    """``text`` on one line (runs of whitespace as one space), at most ``limit`` characters: a longer
    text is cut before its last whole word, trailing « , ; : » dropped, and « … » marks the cut."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    return (head.rsplit(" ", 1)[0] if " " in head else head).rstrip(" ,;:") + "…"

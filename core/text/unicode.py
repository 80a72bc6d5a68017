"""Characters no text of the product should carry: control characters (tab and line breaks kept)."""

from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def without_controls(text: str, replacement: str = "") -> str:
    """``text`` with its control characters replaced (tab, line feed and carriage return kept)."""
    return CONTROL.sub(replacement, text)

"""Clean Unicode at the edges: what comes in (a question, a document's text) is NFC and carries no
character that hides or reorders text.

Removed: lone surrogates, control characters (tab and line breaks kept), bidirectional overrides,
embeddings, isolates and marks (text shown reversed), zero-width characters and the soft hyphen
(words split invisibly). Kept: everything French text needs, the no-break spaces included.
"""

from __future__ import annotations

import re
import unicodedata

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def clean_unicode(text: str, control: str = "") -> str:
    """``text`` in NFC without lone surrogates or invisible characters; control characters become
    ``control`` (a question keeps its words apart with " ", a document drops them)."""
    text = unicodedata.normalize("NFC", _SURROGATE.sub("", text))
    return CONTROL.sub(control, _INVISIBLE.sub("", text))

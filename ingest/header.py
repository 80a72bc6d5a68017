"""A provenance header (« Source: … | Licence: … » above a horizontal rule) lifted off the text.

Collections exported from a repository or a legal database often open every file with a block of
``Label: value`` fields, separated by `` | `` or line breaks, closed by a rule (a line of dashes).
It is about the file, not the text: never a passage to answer from. :func:`lift_header` removes it
from the document (PDF page offsets follow) and keeps it as metadata: ``provenance`` (the fields)
and, when the block names a text (« Décret n° 2011-628 du 1er juin 2011 relatif à … »), that name as
the ``title`` and its date as the ``date``, unless the file already gave them.
"""

from __future__ import annotations

import re

from core.text.dates import parse_date
from core.text.legal import LEGAL_NAME, text_name
from ingest.document import Document, Page

_RULE = re.compile(r"^[ \t]*[-=_*—]{10,}[ \t]*$", re.M)
_FIELD = re.compile(r"(?:^|\|)\s*([A-ZÀ-Ý][\w-]{1,24})\s?:\s", re.M)
_MAX_HEADER = 2500


def lift_header(doc: Document) -> Document:
    """``doc`` without its provenance header, the header kept in ``doc.metadata`` (see module)."""
    rule = _RULE.search(doc.text, 0, _MAX_HEADER)
    if rule is None:
        return doc
    head = doc.text[: rule.start()]
    fields = [m.group(1) for m in _FIELD.finditer(head)]
    if len(fields) < 2 and "|" not in head:
        return doc  # a rule under a title, not a block of fields
    cut = rule.end()
    while cut < len(doc.text) and doc.text[cut] in "\n ":
        cut += 1
    provenance = " ".join(head.split())
    doc.metadata.setdefault("provenance", provenance)
    name = text_name(provenance)
    if name:
        doc.metadata.setdefault("title", name)
        when = parse_date(LEGAL_NAME.search(name).group(0))
        if when:
            doc.metadata.setdefault("date", when)
    doc.text = doc.text[cut:]
    doc.pages = [
        Page(p.number, max(0, p.start - cut), max(0, p.end - cut)) for p in doc.pages if p.end > cut
    ] or [Page(None, 0, len(doc.text))]
    return doc

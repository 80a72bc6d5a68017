"""What the product knows of documents before reading one: their kinds, and the file formats it reads."""

from __future__ import annotations

# kind -> (label of one document, label of the category in filters and the library)
KIND_LABELS = {
    "circulaire": ("Circulaire", "Circulaires et textes officiels"),
    "cycle": ("Cycle de formation", "Cycles de formation"),
    "guide": ("Guide", "Guides méthodologiques"),
    "autre": ("Autre document", "Autres documents"),
}
KINDS = tuple(KIND_LABELS)
DEFAULT_KIND = "autre"

# Extensions read by ingest (one loader each, see ingest.loaders), lower case, with their dot.
SUPPORTED_EXTENSIONS = (".pdf", ".txt", ".md", ".markdown", ".html", ".htm", ".docx")
FORMATS_LABEL = "PDF, TXT, Markdown, HTML ou DOCX"


def kind_label(kind: str) -> str:
    """« Circulaire » for one document of that kind."""
    return KIND_LABELS[kind][0] if kind in KIND_LABELS else ((kind or "").capitalize() or "Document")


def kind_category(kind: str) -> str:
    """« Circulaires et textes officiels »: the kind as a category (filters, library)."""
    return KIND_LABELS[kind][1] if kind in KIND_LABELS else kind_label(kind)


def kind_choices() -> list[tuple[str, str]]:
    """(category label, kind) for every kind: the choices of a filter."""
    return [(kind_category(kind), kind) for kind in KINDS]

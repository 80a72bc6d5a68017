"""A document's identity: its nature (loi, décret, circulaire, guide, support de formation, page
web…), its number and its name, and the relations to other texts it states in its own words.

Explicit values (``metadata.yaml``, front matter: ``nature``, ``number``) win; otherwise the text
names itself (« Décret n° 2011-628 du 1er juin 2011 relatif à … » as its title or first line);
otherwise the nature follows the kind of document and the file format. Relations are read from
the title and the text (:func:`core.text.legal.stated_relations`), plus « porte sur » when a title
names another text (« Synthèse de la circulaire du 31 août 2023 »). They are stored as JSON in the
chunks' metadata and resolved against the other indexed documents at query time
(:mod:`assistant.relations`).
"""

from __future__ import annotations

import json

from core.text.legal import FORMS, TextId, own_id, stated_relations, text_ids

# nature -> label shown in the library and the source cards
NATURE_LABELS = {
    **{form: form.capitalize() for form in FORMS},
    "guide": "Guide",
    "formation": "Support de formation",
    "page web": "Page web",
    "document": "Document",
}
_BY_KIND = {"guide": "guide", "cycle": "formation"}


def nature_label(nature: str) -> str:
    return NATURE_LABELS.get(nature, (nature or "").capitalize() or "Document")


def identify(title: str, text: str, kind: str, suffix: str, explicit: dict) -> dict:
    """``nature``, ``number``, ``name`` (« Décret n° … du … », or ""), ``day`` (the date its name
    gives, as written) and ``relations`` (JSON) of one document."""
    ident = own_id(title, text)
    nature = str(explicit.get("nature") or "").strip().lower()
    if nature not in NATURE_LABELS:
        nature = (
            ident.form
            if ident
            else _BY_KIND.get(kind) or ("page web" if suffix in (".html", ".htm") else "document")
        )
    number = str(explicit.get("number") or (ident.number if ident else "")).strip()
    own = ident.key if ident else None
    links = [(rel, target) for rel, target in stated_relations(f"{title}\n{text}") if target.key != own]
    linked = {target.key for _, target in links}
    links += [
        ("porte_sur", target) for target in text_ids(title) if target.key != own and target.key not in linked
    ]
    return {
        "nature": nature,
        "number": number,
        "name": ident.name if ident else "",
        "day": ident.day if ident else "",
        "relations": encode(links),
    }


def encode(links: list[tuple[str, TextId]]) -> str:
    return (
        json.dumps([[rel, t.form, t.number, t.day, t.name] for rel, t in links], ensure_ascii=False)
        if links
        else ""
    )


def decode(field: str) -> list[tuple[str, TextId]]:
    """The relations stored by :func:`encode` (an unreadable field is no relation)."""
    try:
        rows = json.loads(field) if field else []
        return [(rel, TextId(form, number, day, name)) for rel, form, number, day, name in rows]
    except (ValueError, TypeError):
        return []

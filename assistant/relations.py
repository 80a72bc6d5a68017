"""Relations between the indexed texts: which text modifies, abrogates, replaces, applies or
presents which, and which is a newer text on the same object.

Each document carries the relations it states (:mod:`ingest.identity`, read at ingest). They are
resolved here against the identities of the other indexed documents (same form and number, or
same form and date), and two texts of the same form whose titles give the same object (« relatif
au conseil local des habitants ») and different dates are linked by
« suit ». The library shows every link both ways; a passage of a text that a newer indexed text
modifies, abrogates, replaces or follows carries a note (:attr:`core.types.Passage.superseded`).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.text.dates import french_date, parse_date
from core.text.legal import FORMS, TextId, subject
from core.text.tokens import tokenize
from ingest.identity import decode

# relation -> (said by the text that states it, said of its target)
LABELS = {
    "modifie": ("modifie", "modifié par"),
    "abroge": ("abroge", "abrogé par"),
    "remplace": ("remplace", "remplacé par"),
    "applique": ("pris pour l'application de", "appliqué par"),
    "porte_sur": ("porte sur", "présenté par"),
    "suit": ("plus récent, sur le même objet, que", "texte plus récent sur le même objet :"),
}
# a newer text that does one of these makes the older one's statements possibly out of date
SUPERSEDING = ("abroge", "remplace", "modifie", "suit")
_NOTES = {
    "abroge": "Texte abrogé par {name}, indexé.",
    "remplace": "Texte remplacé par {name}, indexé.",
    "modifie": "Texte modifié par {name}, indexé : vérifiez la version en vigueur.",
    "suit": "Un texte plus récent sur le même objet est indexé : {name}.",
}


@dataclass(frozen=True)
class Link:
    relation: str  # a key of LABELS
    source: str  # path of the text that states it (the newer one for « suit »)
    target: str  # path of the text it names, "" when that text is not indexed
    target_name: str  # how the source names it


def _keys(row: dict) -> list[tuple[str, str]]:
    nature = row.get("nature") or ""
    if nature not in FORMS:
        return []
    keys = [(nature, row.get("date") or "")] if row.get("date") else []
    if row.get("number"):
        keys.append((nature, str(row["number"]).replace("‑", "-")))
    return keys


def _key(target: TextId) -> tuple[str, str]:
    if target.number:
        return target.key
    when = parse_date(target.day)
    return (target.form, when.isoformat() if when else target.day)


def display_name(row: dict) -> str:
    return row.get("name") or row.get("title") or row.get("source") or ""


class Relations:
    """The links between the documents of the library (rows of ``ChunkStore.documents()``)."""

    def __init__(self, rows: list[dict], same_object: float = 0.75):
        self.rows = {row.get("path") or "": row for row in rows}
        by_key = {key: path for path, row in self.rows.items() for key in _keys(row)}
        self.links: list[Link] = []
        for path, row in self.rows.items():
            for relation, target in decode(row.get("relations") or ""):
                found = by_key.get(_key(target), "")
                if found != path:
                    self.links.append(Link(relation, path, found, target.name))
        self._same_object(same_object)

    def _same_object(self, least: float) -> None:
        """« suit »: two texts of the same form, different dates, whose titles give the same object
        (``least`` of their object's terms shared), not already linked."""
        linked = {frozenset((k.source, k.target)) for k in self.links if k.target}
        legal = [
            (path, row, set(tokenize(subject(row.get("title") or ""))))
            for path, row in self.rows.items()
            if row.get("nature") in FORMS and row.get("date")
        ]
        for i, (p1, r1, t1) in enumerate(legal):
            for p2, r2, t2 in legal[i + 1 :]:
                if r1["nature"] != r2["nature"] or r1["date"] == r2["date"] or frozenset((p1, p2)) in linked:
                    continue
                if len(t1) >= 3 and len(t2) >= 3 and len(t1 & t2) / len(t1 | t2) >= least:
                    new, old = (p1, p2) if r1["date"] > r2["date"] else (p2, p1)
                    self.links.append(Link("suit", new, old, display_name(self.rows[old])))

    def of(self, path: str) -> list[str]:
        """The links of one document as the library shows them (« modifié par Décret n° … »)."""
        out = []
        for link in self.links:
            if link.source == path:
                known = "" if link.target else " (non indexé)"
                target = display_name(self.rows[link.target]) if link.target else link.target_name
                out.append(f"{LABELS[link.relation][0]} {target}{known}")
            elif link.target == path:
                out.append(f"{LABELS[link.relation][1]} {display_name(self.rows[link.source])}")
        return out

    def newer(self, path: str) -> Link | None:
        """The newest indexed text that modifies, abrogates, replaces or follows ``path``."""
        found = [
            link
            for link in self.links
            if link.target == path
            and link.relation in SUPERSEDING
            and (self.rows[link.source].get("date") or "") >= (self.rows[path].get("date") or "")
        ]
        return max(found, key=lambda k: self.rows[k.source].get("date") or "", default=None)

    def note(self, link: Link) -> str:
        """What a passage of ``link``'s target says of it (:meth:`newer`): « Texte abrogé par
        Décret n° … (1er juin 2011), indexé. »"""
        row = self.rows[link.source]
        name = display_name(row)
        if row.get("date") and not row.get("name"):
            name += f" ({french_date(row['date'])})"
        return _NOTES[link.relation].format(name=name)

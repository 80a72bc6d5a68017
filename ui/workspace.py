"""The trainer's workspace as HTML and as the Markdown of its export (the work: :mod:`assistant.workspace`)."""

from __future__ import annotations

from assistant.workspace import Workspace
from core.documents import kind_label
from core.text.dates import french_date
from ui.export import neutral, quote
from ui.passage import passage_html
from ui.render import esc, linked_markers


def _anchor(n: int) -> str:
    return f"ws-{n}"


def head_html(ws: Workspace) -> str:
    """The theme, the note, and the synthesis with its questions: being written (the model's draft,
    said to be unverified) or verified."""
    parts = [f'<div class="workspace"><h2>Thème : {esc(ws.theme)}</h2>']
    if ws.note:
        parts.append(f'<p class="ws-note" role="status">{esc(ws.note)}</p>')
    if ws.pending:
        parts.append(
            f'<h3>Synthèse</h3><p class="ws-status" role="status">Synthèse en cours de rédaction par le modèle '
            f"de langage ({int(ws.seconds)} s)… Elle sera vérifiée phrase par phrase à la fin ; les passages "
            "et la chronologie ci-dessous sont déjà complets.</p>"
        )
        if ws.draft:
            parts.append(f'<p class="ws-draft">Brouillon du modèle, non vérifié : {esc(ws.draft)} ▌</p>')
    if ws.synthesis:
        body = linked_markers(ws.synthesis, _anchor)
        parts.append(f'<h3>Synthèse</h3><p class="ws-synthesis">{body}</p>')
    if ws.questions:
        parts.append("<h3>Questions pour la discussion</h3><ol>")
        parts.extend(f"<li>{esc(q)}</li>" for q in ws.questions)
        parts.append("</ol>")
    parts.append("</div>")
    return "".join(parts)


def body_html(ws: Workspace) -> str:
    """What needs no model: the chronology and the passages by document."""
    parts = ['<div class="workspace">']
    parts.append("<h3>Chronologie</h3>")
    if ws.timeline:
        parts.append('<ol class="ws-timeline">')
        for ev in ws.timeline:
            parts.append(
                f'<li><span class="ws-date">{esc(ev.label)}</span> — {esc(ev.text)} '
                f'<span class="ws-source">({esc(ev.title)})</span> '
                f'<a class="cite" href="#{_anchor(ev.passage)}" data-target="{_anchor(ev.passage)}">'
                f"[{ev.passage}]</a></li>"
            )
        parts.append("</ol>")
    else:
        parts.append('<p class="ws-note">Aucune date trouvée dans ces passages.</p>')
    parts.append("<h3>Passages par document</h3>")
    for title, kind, date, source, items in ws.groups:
        meta = " · ".join(x for x in (kind_label(kind), french_date(date), source) if x)
        parts.append(
            f'<div class="ws-doc"><div class="src-title">{esc(title or source)}</div>'
            f'<div class="src-meta">{esc(meta)}</div>'
        )
        for n, p in items:
            page = f" · page {p.page}" if p.page else ""
            parts.append(
                f'<div class="src-card" id="{_anchor(n)}"><div class="src-head"><span class="src-num">'
                f'[{n}]</span> <span class="src-meta">{esc(p.heading or "")}{esc(page)}</span></div>'
                f'<blockquote class="src-text" tabindex="0">{passage_html(p.text)}</blockquote></div>'
            )
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def to_markdown(ws: Workspace) -> str:
    lines = [f"# Préparer une séance : {neutral(ws.theme)}", ""]
    if ws.note:
        lines += [f"_{neutral(ws.note)}_", ""]
    if ws.synthesis:
        lines += ["## Synthèse", "", neutral(ws.synthesis), ""]
    if ws.questions:
        lines += ["## Questions pour la discussion", ""]
        lines += [f"{i}. {neutral(q)}" for i, q in enumerate(ws.questions, 1)]
        lines.append("")
    lines += ["## Chronologie", ""]
    lines += [
        f"- **{ev.label}** — {neutral(ev.text)} ({neutral(ev.title)}) [{ev.passage}]" for ev in ws.timeline
    ] or ["_Aucune date trouvée._"]
    lines += ["", "## Passages par document", ""]
    for title, kind, date, source, items in ws.groups:
        meta = ", ".join(
            x for x in (kind_label(kind), french_date(date), f"fichier : {source}" if source else "") if x
        )
        lines += [f"### {neutral(title or source)}", "", f"_{neutral(meta)}_", ""]
        for n, p in items:
            page = f" (page {p.page})" if p.page else ""
            lines += [f"**[{n}]**{page}", "", quote(p.text), ""]
    return "\n".join(lines).rstrip() + "\n"

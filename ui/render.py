"""HTML for the chat and the sources panel. Every piece of document or user text is escaped here.

Nothing coming from a document, a question or a model is ever inserted as
markup: it goes through ``html.escape`` (and, for the chat bubbles that Gradio
renders as Markdown, a Markdown escape first). The only tags produced are our
own: citation links ``[n]``, ``<mark>`` around the cited sentences, the page viewer's image and
links (:mod:`ui.pages`), and the layout.
"""

from __future__ import annotations

import html
import re

from core.documents import kind_label
from core.text import markers
from core.text.clip import clip
from core.text.dates import french_date
from ingest.identity import nature_label
from ui.pages import file_url, page_url
from ui.passage import passage_html

BACKEND_LABELS = {
    "extractive": "extractif (phrases des documents, sans modèle de langage)",
    "local": "modèle de langage local",
    "openai": "serveur de modèle compatible OpenAI",
}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")


# a warning sign drawn inline (an emoji needs a font the machine may not have)
WARNING_SVG = (
    '<svg aria-hidden="true" focusable="false" width="14" height="14" viewBox="0 0 24 24" fill="none" '
    'stroke="currentColor" stroke-width="2" stroke-linejoin="round" style="vertical-align:-2px">'
    '<path d="M12 3 2 21h20z"/><path d="M12 10v5M12 18v.5"/></svg>'
)


def esc(text) -> str:
    """Text as inert HTML (quotes included, so it is safe in attributes too)."""
    return html.escape("" if text is None else str(text), quote=True)


def md_esc(text: str) -> str:
    """Text for a Markdown renderer: no Markdown syntax, no HTML, line breaks kept."""
    return esc(_MD_SPECIAL.sub(r"\\\1", text or ""))


def backend_label(name: str) -> str:
    return BACKEND_LABELS.get(name, name)


def source_id(turn: int, n: int) -> str:
    return f"src-{turn}-{n}"


def cite_link(target: str, n: int) -> str:
    """The link of marker [n] to the card with id ``target``."""
    return f'<a class="cite" href="#{target}" data-target="{target}" title="Voir la source {n}">[{n}]</a>'


def linked_markers(text: str, anchor, known: set[int] | None = None, escape=esc) -> str:
    """``text`` escaped by ``escape``, its markers turned into links to ``anchor(n)`` (those of
    ``known`` numbers only, when given)."""
    text, out, last = text or "", [], 0
    for m in markers.MARKER.finditer(text):
        out.append(escape(text[last : m.start()]))
        numbers = markers.numbers(m.group(1))
        if known is not None and not all(n in known for n in numbers):
            out.append(escape(m.group(0)))
        else:
            out.append("".join(cite_link(anchor(n), n) for n in numbers))
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def answer_markdown(text: str, turn: int, known: set[int] | None = None) -> str:
    """The answer for the chat bubble: escaped text, markers turned into links to the sources panel."""
    return linked_markers(text, lambda n: source_id(turn, n), known, md_esc)


# A bubble still being written holds this empty mark: the page's CSS (ui/server.py) hides the
# vote and copy buttons under it until the answer is complete (there is nothing to judge yet).
WRITING_MARK = '<span class="writing"></span>'


def in_progress(markdown: str) -> str:
    """A bubble's text while its answer is being searched for or written."""
    return f"{markdown}{WRITING_MARK}"


def streaming_markdown(text: str) -> str:
    """Partial model output while it streams: escaped, markers left as plain text."""
    return in_progress(md_esc(text) + " ▌")


def meta_parts(item: dict, file_label: str = "") -> list[str]:
    """Nature (else kind), number, date, page and file of a source, in reading order (plain text)."""
    parts = [nature_label(item["nature"]) if item.get("nature") else kind_label(item.get("kind", ""))]
    if item.get("number"):
        parts.append(f"n° {item['number']}")
    if item.get("date"):
        parts.append(french_date(item["date"]))
    if item.get("page"):
        parts.append(f"page {item['page']}")
    if item.get("source"):
        parts.append(file_label + item["source"])
    return parts


def _meta_line(item: dict) -> str:
    return " · ".join(esc(p) for p in meta_parts(item))


def _card(item: dict, anchor: str, label: str, max_chars: int = 2400) -> str:
    text = item.get("text", "") or ""
    if len(text) > max_chars:
        text = text[:max_chars].rsplit(" ", 1)[0] + " […]"
    spans = [(start, end) for start, end in item.get("spans") or () if end <= len(text)]
    heading = item.get("heading") or ""
    heading_html = (
        f'<div class="src-heading">{esc(heading)}</div>' if heading and heading != item.get("title") else ""
    )
    return (
        f'<div class="src-card" id="{esc(anchor)}">'
        f'<div class="src-head"><span class="src-num">{esc(label)}</span> '
        f'<span class="src-title">{esc(item.get("title") or item.get("source") or "Document")}</span></div>'
        f'<div class="src-meta">{_meta_line(item)}</div>{heading_html}{_superseded(item)}'
        f"{_orders_warning(item)}"
        # focusable: the passage scrolls, a keyboard must reach it (axe-core scrollable-region-focusable)
        f'<blockquote class="src-text" tabindex="0">{passage_html(text, spans)}</blockquote>'
        f"{_viewer(item, text, spans)}</div>"
    )


def is_pdf_page(item: dict) -> bool:
    return bool(
        item.get("doc_id") and item.get("page") and str(item.get("source", "")).lower().endswith(".pdf")
    )


def _viewer(item: dict, text: str, spans: list[tuple[int, int]]) -> str:
    """Under a card: the PDF page with the cited sentences highlighted (opened by a click on the
    marker), or, for another document, the passage in the text around it (``item["context"]``:
    before, after)."""
    doc_id, page, title = item.get("doc_id", ""), item.get("page"), item.get("title") or item.get("source")
    if is_pdf_page(item):
        quote = "\n\n".join(text[a:b] for a, b in spans) or text[:400]
        return (
            f'<details class="src-page"><summary>Voir la page {int(page)} du PDF, passage surligné</summary>'
            f'<img loading="lazy" src="{esc(page_url(doc_id, page, quote))}" '
            f'alt="Page {int(page)} de « {esc(title)} », le passage cité surligné en jaune">'
            f'<a href="{esc(file_url(doc_id, page))}" target="_blank" rel="noopener">'
            f"Ouvrir le PDF à la page {int(page)} (nouvel onglet)</a></details>"
        )
    before, after = item.get("context") or ("", "")
    if not (before or after):
        return ""
    return (
        '<details class="src-context"><summary>Voir le passage dans son contexte</summary>'
        f'<div class="ctx-text" tabindex="0"><div class="ctx-around">{passage_html(before)}</div>'
        f'<div class="ctx-passage">{passage_html(text, spans)}</div>'
        f'<div class="ctx-around">{passage_html(after)}</div></div>'
        + (
            f'<a href="{esc(file_url(doc_id))}" target="_blank" rel="noopener">Ouvrir le document (nouvel onglet)</a>'
            if doc_id
            else ""
        )
        + "</details>"
    )


def _superseded(item: dict) -> str:
    """The note of a passage whose text a newer indexed text modifies, abrogates or follows."""
    if not item.get("superseded"):
        return ""
    return f'<div class="src-superseded" role="note">{WARNING_SVG} {esc(item["superseded"])}</div>'


def _orders_warning(item: dict) -> str:
    if not item.get("addresses_assistant"):
        return ""
    return (
        '<div class="src-warning" role="note">Attention : ce passage contient des consignes adressées à un '
        "assistant ; elles sont traitées comme du texte et ne servent jamais de réponse.</div>"
    )


def retrieved_html(passages: list, turn: int, limit: int = 5) -> str:
    """The panel while the answer is being written: the passages found, at once."""
    if not passages:
        return (
            '<div class="sources"><p class="src-empty">Aucun passage trouvé dans les documents indexés '
            "(vérifiez les filtres).</p></div>"
        )
    cards = [
        _card(_passage_dict(p), f"ret-{turn}-{i}", f"#{i}") for i, p in enumerate(passages[:limit], start=1)
    ]
    return (
        '<div class="sources"><p class="src-status">Passages trouvés — la réponse est en cours de '
        f"rédaction…</p>{''.join(cards)}</div>"
    )


def _passage_dict(p) -> dict:
    return p if isinstance(p, dict) else p.to_dict()


def turn_sources_html(turn: dict, number: int) -> str:
    """Sources of one answered turn (``turn['answer']`` is ``Answer.to_dict()``)."""
    answer, contexts = turn["answer"], turn.get("contexts") or {}
    if answer.get("citations"):
        return "".join(
            _card({**c, "context": contexts.get(c["id"])}, source_id(number, c["id"]), f"[{c['id']}]")
            for c in answer["citations"]
        )
    lines = [
        '<p class="src-empty">Aucune source : la réponse n’a pas été trouvée dans les documents indexés.</p>'
    ]
    if answer.get("suggestions"):
        lines.append('<p class="src-status">Documents les plus proches :</p><ul class="src-suggest">')
        lines.extend(
            f"<li>{esc(s.get('title') or s.get('source'))} <span class='src-meta'>"
            f"({esc(kind_label(s.get('kind', '')))}{', ' + esc(french_date(s['date'])) if s.get('date') else ''})"
            f"</span></li>"
            for s in answer["suggestions"]
        )
        lines.append("</ul>")
    return "".join(lines)


def sources_html(turns: list[dict]) -> str:
    """The whole panel: the last answer's sources open, earlier ones folded (their markers still work)."""
    if not turns:
        return (
            '<div class="sources"><p class="src-empty">Les sources citées dans les réponses apparaîtront ici, '
            "avec les passages et la phrase citée surlignée.</p></div>"
        )
    parts = []
    last = len(turns) - 1
    for i in range(last, -1, -1):
        turn = turns[i]
        body = turn_sources_html(turn, turn["number"])
        if i == last:
            parts.append(
                f'<div class="src-turn" data-turn="{turn["number"]}">'
                f'<p class="src-question">Question {turn["number"]} : {esc(clip(turn["question"], 120))}</p>'
                f"{body}</div>"
            )
        else:
            parts.append(
                f'<details class="src-turn" data-turn="{turn["number"]}"><summary>Question '
                f"{turn['number']} : {esc(clip(turn['question'], 120))}</summary>{body}</details>"
            )
    return f'<div class="sources">{"".join(parts)}</div>'


def plural(n: int, word: str, plural_word: str | None = None) -> str:
    return f"**{n}** {word if n in (0, 1) else plural_word or word + 's'}"


def status_markdown(status: dict) -> str:
    return (
        f"{plural(status['documents'], 'document')} · "
        f"{plural(status['chunks'], 'passage indexé', 'passages indexés')}"
        f" · moteur de réponse : {md_esc(backend_label(status['backend']))}"
    )


def error_markdown(message: str) -> str:
    return f"**Erreur :** {md_esc(message)}"


def abstained_markdown(answer: dict) -> str:
    text = md_esc(answer["answer"])
    if answer.get("suggestions"):
        items = "".join(f"\n- {md_esc(s.get('title') or s.get('source'))}" for s in answer["suggestions"])
        text += f"\n\nDocuments les plus proches de votre question :{items}"
    return text


QUICK_LABEL = "Réponse rapide, tirée des passages :"
SYNTHESIS_LABEL = "Synthèse du modèle de langage, en cours :"


def quick_markdown(quick: dict, synthesis: str = "") -> str:
    """The bubble while a model writes: the quick answer (``Quick.to_dict()``: the passages' own
    sentences) with the sources its markers name, then the model's synthesis as it streams
    (``synthesis``). The final answer replaces both (it holds the model's words and the passages'
    key sentences)."""
    sources = " ; ".join(
        f"[{c['id']}] {c.get('title') or c.get('source')}"
        + (f", {french_date(c['date'])}" if c.get("date") else "")
        + (f", p. {c['page']}" if c.get("page") else "")
        for c in quick["citations"]
    )
    answer = md_esc(quick["answer"])
    out = f"**{QUICK_LABEL}**\n\n{answer}\n\n_Sources : {md_esc(sources)}_\n\n**{SYNTHESIS_LABEL}**\n\n"
    return out + (streaming_markdown(synthesis) if synthesis else in_progress("▌"))

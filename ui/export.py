"""A conversation as Markdown for session notes: each answer with its numbered sources and passages.

Document and answer text is neutralised (``<``, ``>`` and ``&`` as entities) so
that pasting the notes into a Markdown or HTML viewer never runs anything.
"""

from __future__ import annotations

import re
import tempfile
from datetime import datetime
from pathlib import Path

from ui.passage import paragraphs
from ui.render import kind_label, meta_parts

_EXPORT_DIR = Path(tempfile.gettempdir()) / "assistant_exports"


def neutral(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(text: str, max_chars: int = 1500) -> str:
    """A passage as a Markdown quotation, one quoted paragraph per paragraph of the passage."""
    out, used = [], 0
    for paragraph in paragraphs(text):
        if used + len(paragraph) > max_chars:
            out.append((paragraph[: max(0, max_chars - used)].rsplit(" ", 1)[0] + " […]").strip())
            break
        out.append(paragraph)
        used += len(paragraph)
    return "\n>\n".join("> " + neutral(p) for p in out) or "> "


def source_line(c: dict) -> str:
    parts = meta_parts(c, file_label="fichier : ")
    return f"**[{c['id']}] {neutral(c.get('title') or c.get('source') or 'Document')}** — {neutral(', '.join(parts))}"


def filters_line(filters: dict | None) -> str:
    if not filters:
        return ""
    parts = []
    if filters.get("kinds"):
        parts.append("types : " + ", ".join(kind_label(k) for k in filters["kinds"]))
    if filters.get("year_min") or filters.get("year_max"):
        parts.append(f"période : {filters.get('year_min') or '…'} – {filters.get('year_max') or '…'}")
    return f"_Filtres : {'; '.join(parts)}_" if parts else ""


def conversation_markdown(
    turns: list[dict], title: str = "Conversation avec l'assistant documentaire"
) -> str:
    lines = [
        f"# {title}",
        "",
        f"_Exportée le {datetime.now().strftime('%d/%m/%Y à %H:%M')} — "
        f"{len(turns)} question{'s' if len(turns) > 1 else ''}._",
        "",
    ]
    for turn in turns:
        answer = turn["answer"]
        lines += [f"## Question {turn['number']}", "", neutral(turn["question"]), ""]
        if filters_line(turn.get("filters")):
            lines += [filters_line(turn.get("filters")), ""]
        lines += ["**Réponse**", "", neutral(answer["answer"]), ""]
        if answer.get("citations"):
            lines += ["**Sources**", ""]
            for c in answer["citations"]:
                lines += [source_line(c), "", quote(c.get("text", "")), ""]
        elif answer.get("suggestions"):
            lines += ["**Documents les plus proches**", ""]
            lines += [
                f"- {neutral(s.get('title') or s.get('source'))} ({kind_label(s.get('kind', ''))})"
                for s in answer["suggestions"]
            ]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_markdown(text: str, stem: str) -> str:
    """Write ``text`` to a fresh file for download; returns its path."""
    _EXPORT_DIR.mkdir(parents=True, exist_ok=True)
    _prune(_EXPORT_DIR, max_age_s=24 * 3600)
    safe = re.sub(r"[^\w-]+", "-", stem, flags=re.ASCII).strip("-")[:60] or "export"
    folder = Path(tempfile.mkdtemp(prefix="md-", dir=_EXPORT_DIR))
    path = folder / f"{safe}-{datetime.now().strftime('%Y%m%d-%H%M%S')}.md"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _prune(folder: Path, max_age_s: float) -> None:
    """Exports are handed to Gradio at once; older than a day they are of no use on the server."""
    import shutil
    import time

    limit = time.time() - max_age_s
    for child in folder.glob("md-*"):
        try:
            if child.stat().st_mtime < limit:
                shutil.rmtree(child, ignore_errors=True)
        except OSError:
            pass

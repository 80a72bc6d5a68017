"""The trainer's workspace (« Préparer une séance »): passages on a theme grouped by document, a
timeline of the dated events they mention, and (with a language model) a cited synthesis and
discussion questions. Same retrieval, prompting and citation verification as the chat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.gate import is_refusal
from assistant.prompting import workspace_messages
from assistant.retrieve import Filters
from assistant.verify import cited_only, verify
from core.text import markers
from core.text.dates import find_dates
from core.text.instructions import addresses_assistant
from core.text.sentences import sentence_spans
from core.types import Passage

_QUESTIONS_HEAD = re.compile(
    r"^\s*(?:\d+[.)]\s*)?\**\s*questions?(?: de discussion| pour la (?:discussion|séance))?"
    r"\s*\**\s*:?\s*\**\s*$",
    re.I | re.M,
)
_SYNTHESIS_HEAD = re.compile(r"^\s*(?:\d+[.)]\s*)?\**\s*synth[èe]se\s*\**\s*:?\s*\**", re.I)
NO_PASSAGE = "Aucun passage trouvé sur ce thème (vérifiez l'orthographe ou les filtres)."
NO_MODEL = (
    "Synthèse et questions de discussion indisponibles : aucun modèle de langage n'est configuré "
    "(moteur extractif). Les passages et la chronologie ci-dessous viennent directement des documents."
)
NO_SYNTHESIS = "Le modèle n'a pas produit de synthèse fondée sur les passages ; voir les passages ci-dessous."


@dataclass(order=True)
class TimelineEvent:
    key: tuple
    label: str = field(compare=False)
    text: str = field(compare=False)
    passage: int = field(compare=False)
    title: str = field(compare=False)


@dataclass
class Workspace:
    theme: str
    passages: list[Passage] = field(default_factory=list)  # numbered from 1
    groups: list = field(default_factory=list)  # [(title, kind, date, source, [(n, passage)])]
    timeline: list[TimelineEvent] = field(default_factory=list)  # in chronological order
    synthesis: str = ""  # with markers [n] pointing into ``passages``
    questions: list[str] = field(default_factory=list)
    backend: str = "extractive"
    note: str = ""


def timeline(passages: list[Passage]) -> list[TimelineEvent]:
    """Dated events of the passages (the sentence around each date), sorted chronologically, deduplicated."""
    events, seen = [], set()
    for n, p in enumerate(passages, start=1):
        text = p.text
        spans = sentence_spans(text) or [(0, len(text))]
        for found in find_dates(text):
            start, end = found.start, found.end
            s, e = next(
                ((s, e) for s, e in spans if s <= start < e), (max(0, start - 100), min(len(text), end + 100))
            )
            sentence = " ".join(text[s:e].split()).strip(" -–•*·▪↳>")
            if addresses_assistant(sentence):
                continue  # an order given to an assistant is not an event
            if len(sentence) > 240:
                local = start - s
                sentence = "…" + sentence[max(0, local - 110) : local + 130].strip() + "…"
            ident = (found.key, re.sub(r"\W+", " ", sentence.lower()).strip())
            if ident in seen:
                continue
            seen.add(ident)
            events.append(TimelineEvent(found.key, found.label, sentence, n, p.title))
    return sorted(events)


def group_by_document(passages: list[Passage]) -> list:
    groups: dict[str, tuple] = {}
    for n, p in enumerate(passages, start=1):
        key = p.source or p.title
        if key not in groups:
            groups[key] = (p.title, p.kind, p.date, p.source, [])
        groups[key][4].append((n, p))
    return list(groups.values())


def prepare(assistant, theme: str, filters: Filters | None = None, llm: str | None = None) -> Workspace:
    """Gather the passages on ``theme``, their timeline and, with a model, a verified synthesis."""
    settings = assistant.settings
    theme = assistant.clean(theme)
    passages = assistant.retrieve(theme, filters or Filters(), k=settings.workspace_passages)
    ws = Workspace(
        theme=theme,
        passages=passages,
        groups=group_by_document(passages),
        timeline=timeline(passages),
        backend=assistant.backend_name(llm),
    )
    if not passages:
        ws.note = NO_PASSAGE
        return ws
    backend = assistant.backend(ws.backend)
    if backend is None:
        ws.note = NO_MODEL
        return ws
    context = passages[: max(settings.context_k, 5)]
    raw = backend.complete(workspace_messages(theme, context), max_tokens=settings.workspace_max_tokens)
    ws.synthesis, ws.questions = parse_generation(raw, context, passages, settings)
    if not ws.synthesis:
        ws.note = NO_SYNTHESIS
    return ws


def parse_generation(
    raw: str, context: list[Passage], passages: list[Passage], settings
) -> tuple[str, list[str]]:
    """Split the model's text into a cited synthesis (claims verified, renumbered to ``passages``) and questions."""
    raw = (raw or "").strip()
    if not raw or is_refusal(raw):
        return "", []
    head = _QUESTIONS_HEAD.search(raw)
    body, tail = (raw[: head.start()], raw[head.end() :]) if head else (raw, "")
    if not head:  # questions written without the heading: the trailing lines ending with "?"
        lines = body.splitlines()
        while lines and lines[-1].strip().endswith("?"):
            tail = lines.pop() + "\n" + tail
        body = "\n".join(lines)
    body = _SYNTHESIS_HEAD.sub("", body.strip()).strip()
    synthesis = ""
    if body:
        text, citations = verify(body, context, settings)
        # a synthesis for a training session is cited throughout: a sentence verification kept
        # without a marker (a short connecting phrase) is dropped, not shown as fact
        text = cited_only(text)
        if citations and text:
            mapping = {c.id: next(i for i, p in enumerate(passages, 1) if p is c.passage) for c in citations}
            synthesis = markers.renumber(text, mapping).strip()
    return synthesis, parse_questions(tail)


def parse_questions(text: str, most: int = 5) -> list[str]:
    out = []
    for line in (text or "").splitlines():
        line = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip()
        line = markers.strip(line).strip()
        if len(line) > 12 and line.endswith("?") and line not in out:
            out.append(line)
    return out[:most]

"""The trainer's workspace (« Préparer une séance »): passages on a theme grouped by document, a
timeline of the dated events they mention, and (with a language model) a cited synthesis and
discussion questions. Same retrieval, prompting and citation verification as the chat.

:func:`prepare_stream` yields the workspace at once with what needs no model (passages, timeline),
then again as the model writes (``draft``), then verified; the generation stops when the time
bound (``workspace_time_limit_s``) is reached or ``stop()`` says the user left or asked something
else. :func:`prepare` returns the last of them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from assistant.gate import is_refusal
from assistant.prompting import workspace_messages
from assistant.retrieve import Filters
from assistant.verify import cited_only, split_claims, verify
from core.text import markers
from core.text.dates import find_dates
from core.text.instructions import addresses_assistant
from core.text.sentences import HEADING_MARK, sentence_spans
from core.types import Passage

# « Questions : » alone on its line, or followed by the questions on the same line
_QUESTIONS_HEAD = re.compile(
    r"^\s*(?:\d+[.)]\s*)?\**\s*questions?(?: de discussion| pour la (?:discussion|séance))?"
    r"\s*\**\s*(?::\s*\**|\**\s*$)",
    re.I | re.M,
)
_SYNTHESIS_HEAD = re.compile(r"^\s*(?:\d+[.)]\s*)?\**\s*synth[èe]se\s*\**\s*:?\s*\**", re.I)
NO_PASSAGE = "Aucun passage trouvé sur ce thème (vérifiez l'orthographe ou les filtres)."
NO_MODEL = (
    "Synthèse et questions de discussion indisponibles : aucun modèle de langage n'est configuré "
    "(moteur extractif). Les passages et la chronologie ci-dessous viennent directement des documents."
)
NO_SYNTHESIS = "Le modèle n'a pas produit de synthèse fondée sur les passages ; voir les passages ci-dessous."
TIMED_OUT = (
    "Délai atteint ({seconds} s) : la rédaction de la synthèse a été arrêtée ; ce qui en était écrit et "
    "vérifié est gardé. Les passages et la chronologie viennent directement des documents. Pour plus de "
    "temps : ASSISTANT_WORKSPACE_TIME_LIMIT_S."
)
STOPPED = "Rédaction de la synthèse interrompue (nouvelle demande ou page quittée)."


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
    pending: bool = False  # the model is writing the synthesis
    draft: str = ""  # the model's text so far, not yet verified (shown as such)
    seconds: float = 0.0  # time spent writing


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
            line_start = text.rfind("\n", 0, s) + 1
            if (
                HEADING_MARK.match(text[line_start:e])
                or _same(text[s:e], p.heading)
                or _same(text[s:e], p.title)
            ):
                continue  # a heading or a title names a subject; it is not an event
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


def _same(a: str, b: str) -> bool:
    return bool(b) and re.sub(r"\W+", " ", a).strip().lower() == re.sub(r"\W+", " ", b).strip().lower()


def one_per_date_and_document(events: list[TimelineEvent]) -> list[TimelineEvent]:
    """The first event (best-ranked passage) of each date in each document: a date a document
    repeats is one event, one line."""
    seen, out = set(), []
    for ev in events:
        if (ev.key, ev.title) not in seen:
            seen.add((ev.key, ev.title))
            out.append(ev)
    return out


def group_by_document(passages: list[Passage]) -> list:
    groups: dict[str, tuple] = {}
    for n, p in enumerate(passages, start=1):
        key = p.source or p.title
        if key not in groups:
            groups[key] = (p.title, p.kind, p.date, p.source, [])
        groups[key][4].append((n, p))
    return list(groups.values())


def gather(assistant, theme: str, filters: Filters | None = None, llm: str | None = None) -> Workspace:
    """What needs no model: the passages on ``theme``, grouped by document, and their timeline."""
    theme = assistant.clean(theme)
    passages = assistant.retrieve(theme, filters or Filters(), k=assistant.settings.workspace_passages)
    return Workspace(
        theme=theme,
        passages=passages,
        groups=group_by_document(passages),
        timeline=one_per_date_and_document(timeline(passages)),
        backend=assistant.backend_name(llm),
        note="" if passages else NO_PASSAGE,
    )


def prepare_stream(
    assistant,
    theme: str,
    filters: Filters | None = None,
    llm: str | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> Iterator[Workspace]:
    """The workspace at once (passages, timeline), then as the model writes, then verified (the
    same object, updated). Raises :class:`assistant.question.QuestionError` for an unusable theme."""
    settings = assistant.settings
    ws = gather(assistant, theme, filters, llm)
    backend = assistant.backend(ws.backend) if ws.passages else None
    if backend is None:
        ws.note = ws.note or NO_MODEL
        yield ws
        return
    ws.pending = True
    yield ws
    context = ws.passages[: max(settings.context_k, 5)]
    pieces = backend.stream(workspace_messages(ws.theme, context), max_tokens=settings.workspace_max_tokens)
    started, limit = time.monotonic(), float(settings.workspace_time_limit_s)
    try:
        for piece in pieces:
            ws.draft += piece
            ws.seconds = time.monotonic() - started
            if limit > 0 and ws.seconds > limit:
                ws.note = TIMED_OUT.format(seconds=int(limit))
                break
            if stop():
                ws.note = STOPPED
                break
            yield ws
    finally:
        pieces.close()  # stops the generation at the next token
    ws.synthesis, ws.questions = parse_generation(ws.draft, context, ws.passages, settings)
    ws.pending, ws.draft = False, ""
    if not ws.synthesis and not ws.note:
        ws.note = NO_SYNTHESIS
    yield ws


def prepare(assistant, theme: str, filters: Filters | None = None, llm: str | None = None) -> Workspace:
    """Gather the passages on ``theme``, their timeline and, with a model, a verified synthesis."""
    *_, last = prepare_stream(assistant, theme, filters, llm)
    return last


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
        # without a marker (a short connecting phrase) is dropped, not shown as fact; so is a question
        text = statements_only(cited_only(text))
        if citations and text:
            # the citation's passage may be a copy (verify sets the page of the cited sentence)
            number = {(p.node_id, p.start): i for i, p in enumerate(passages, 1)}
            mapping = {c.id: number[(c.passage.node_id, c.passage.start)] for c in citations}
            synthesis = markers.renumber(text, mapping).strip()
    return synthesis, parse_questions(tail)


def statements_only(text: str) -> str:
    """``text`` less its sentences that ask a question (a question is never shown as a fact) and
    those it already said (a model repeats itself)."""
    seen: set[str] = set()

    def first_statement(sentence: str) -> bool:
        plain = " ".join(markers.strip(sentence).split()).rstrip(" .")
        if plain.endswith("?") or plain.lower() in seen:
            return False
        seen.add(plain.lower())
        return True

    kept = [" ".join(s for s in line if first_statement(s)) for line in split_claims(text)]
    return "\n".join(line for line in kept if line.strip())


def parse_questions(text: str, most: int = 5) -> list[str]:
    """The questions of ``text``: each stretch ending with « ? », one per line or several on a line
    (« - Quelles … ? - Comment … ? »), bullets, numbers and markers removed, each once."""
    out = []
    for line in (text or "").splitlines():
        for piece in re.findall(r"[^?]*\?", markers.strip(line)):
            piece = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", piece).strip()
            piece = re.sub(r"\s+\?$", " ?", piece)
            if len(piece) > 12 and piece not in out:
                out.append(piece)
    return out[:most]

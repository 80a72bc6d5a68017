"""The event handlers of the web app, bound to one shared assistant (the page itself: :mod:`ui.app`).

One :class:`assistant.pipeline.Assistant` is shared by every session (models loaded
once); each browser tab or ``gradio_client`` keeps its own conversation in a
``gr.State``, so sessions never mix.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import gradio as gr

from assistant.llm.base import BackendUnavailable
from assistant.pipeline import Delta, Done, Quick, Reset, Retrieved
from assistant.question import QuestionError
from assistant.retrieve import Filters
from assistant.workspace import prepare_stream
from core.documents import KINDS, kind_choices
from ui import export as md_export
from ui import library, render, workspace
from ui.feedback import FeedbackStore, default_path

log = logging.getLogger(__name__)
TITLE = "Assistant documentaire — politique de la ville"
KIND_CHOICES = kind_choices()
EXAMPLES = [
    "Quel est le calendrier de signature des contrats de ville ?",
    "Comment mobiliser le droit commun ?",
    "Quelles sont les circulaires qui encadrent les contrats de ville 2024-2030 ?",
    "Comment associer les habitants à l'élaboration du contrat de ville ?",
]
THEME_EXAMPLES = [
    "gouvernance du contrat de ville",
    "participation des habitants",
    "calendrier des contrats de ville",
]
INTERRUPTED = "Réponse interrompue : une autre demande a été lancée depuis cette page."
DRAFT_EVERY_S = 0.5  # the workspace's draft synthesis is redrawn at most this often
SEARCHING = render.in_progress("Recherche dans les documents…")
WRITING = render.in_progress("Rédaction de la réponse à partir des passages trouvés…")


def new_conversation() -> dict:
    """Per-session state: the chat bubbles, which turn each bubble belongs to, the answered turns."""
    return {"messages": [], "owners": [], "turns": []}


def make_filters(kinds=None, year_min=None, year_max=None) -> Filters:
    kinds = tuple(k for k in (kinds or []) if k in KINDS)
    if len(kinds) == len(KINDS):
        kinds = ()
    return Filters(kinds=kinds, year_min=_year(year_min), year_max=_year(year_max))


def _year(value):
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if 1900 <= year <= 2100 else None


def _filters_dict(f: Filters) -> dict:
    return {"kinds": list(f.kinds), "year_min": f.year_min, "year_max": f.year_max}


def _history(turns: list[dict]) -> list[dict]:
    history = []
    for turn in turns:
        history.append({"role": "user", "content": turn["question"]})
        history.append({"role": "assistant", "content": turn["answer"]["answer"]})
    return history


def _short(text: str, n: int = 400) -> str:
    return text if len(text) <= n else text[:n] + f"… ({len(text)} caractères)"


def final_markdown(turn: dict) -> str:
    answer = turn["answer"]
    if answer["abstained"]:
        return render.abstained_markdown(answer)
    known = {c["id"] for c in answer["citations"]}
    lines = answer.get("sentences") or []
    quotes = [line["text"] for line in lines if line["origin"] == "quotation"]
    if quotes:  # the model's words, then the passages' sentences added under them, as quotations
        own = "\n".join(line["text"] for line in lines if line["origin"] != "quotation")
        text = render.answer_markdown(own, turn["number"], known) + "\n\n**Extraits des documents :**\n"
        text += "\n".join(f"> {render.answer_markdown(q, turn['number'], known)}" for q in quotes)
    else:
        text = render.answer_markdown(answer["answer"], turn["number"], known)
    if answer.get("fallback"):
        text += (
            "\n\n_Réponse composée de phrases des documents : le modèle de langage n'a pas produit de "
            "réponse appuyée sur les passages._"
        )
    if answer.get("acronyms"):
        read = " ; ".join(
            f"{render.md_esc(a)} : {render.md_esc(long)}" for a, long in answer["acronyms"].items()
        )
        text += f"\n\n_Sigles lus en toutes lettres : {read}._"
    return text


def plain_answer(answer: dict) -> str:
    """The ``/chat`` reply: the answer with its markers, then the numbered sources."""
    lines = [answer["answer"]]
    if answer["citations"]:
        lines += ["", "Sources :"]
        for c in answer["citations"]:
            page = f", page {c['page']}" if c.get("page") else ""
            lines.append(f"[{c['id']}] {c['title']} ({c['source']}{page})")
    return "\n".join(lines)


class ChatApp:
    """The event handlers, bound to one shared assistant."""

    def __init__(self, assistant, allow_upload: bool = False, feedback_path: str | Path | None = None):
        self.assistant = assistant
        self.settings = assistant.settings
        self.allow_upload = allow_upload
        self.feedback = FeedbackStore(feedback_path or default_path(self.settings))
        self._requests: dict[str, int] = {}  # browser session -> number of its latest request
        self._requests_lock = threading.Lock()

    # -- status and library --------------------------------------------------------
    def status(self) -> str:
        try:
            return render.status_markdown(self.assistant.status())
        except Exception as exc:  # the index may be unreachable (Chroma server down)
            log.warning("index indisponible : %s", exc)
            return render.error_markdown(f"Index indisponible : {exc}")

    def documents(self):
        return library.documents_rows(self.assistant)

    def upload(self, files):
        if not self.allow_upload:
            raise user_error("L'ajout de documents est désactivé sur ce serveur (option --allow-upload).")
        if not files:
            return "Choisissez d'abord un ou plusieurs fichiers.", gr.skip(), gr.skip(), None
        outcome = library.add_files(self.assistant, files if isinstance(files, list) else [files])
        return outcome.summary(), self.documents(), self.status(), None

    # -- chat ------------------------------------------------------------------------------
    def respond(self, message, state, kinds, year_min, year_max, request: gr.Request = None):
        """Generator: bubbles, sources panel, state and the input box, updated as the answer arrives.
        Stops (the model too) when the user leaves or asks something else in the same page."""
        stop = self._begin(request)
        state = state or new_conversation()
        messages, owners, turns = state["messages"], state["owners"], state["turns"]
        try:
            question = self.assistant.clean(message)
        except QuestionError as exc:
            messages += [
                {"role": "user", "content": render.md_esc(_short(message or ""))},
                {"role": "assistant", "content": render.error_markdown(str(exc))},
            ]
            owners += [None, None]
            yield list(messages), gr.skip(), state, ""
            return
        number = len(turns) + 1
        filters = make_filters(kinds, year_min, year_max)
        messages += [
            {"role": "user", "content": render.md_esc(question)},
            {"role": "assistant", "content": SEARCHING},
        ]
        owners += [None, None]
        yield list(messages), gr.skip(), state, ""
        answer, text, quick = None, "", None
        try:
            with closing(self.assistant.stream(question, _history(turns), filters)) as events:
                for event in events:
                    if stop():  # another request of this page: this one stops (the model with it)
                        messages[-1] = {"role": "assistant", "content": render.md_esc(INTERRUPTED)}
                        yield list(messages), gr.skip(), state, gr.skip()
                        return
                    if isinstance(event, Retrieved):
                        messages[-1] = {"role": "assistant", "content": WRITING}
                        panel = render.retrieved_html(event.passages, number, self.settings.context_k)
                        yield list(messages), panel, state, gr.skip()
                    elif isinstance(event, Quick):  # the passages' sentences while the model writes
                        quick = event.to_dict()
                        messages[-1] = {"role": "assistant", "content": render.quick_markdown(quick)}
                        yield list(messages), gr.skip(), state, gr.skip()
                    elif isinstance(event, (Delta, Reset)):  # a reset replaces the text (extractive fallback)
                        if isinstance(event, Reset):
                            text, quick = event.text, None  # the passages' sentences, no synthesis
                        else:
                            text += event.text
                        shown = (
                            render.quick_markdown(quick, text) if quick else render.streaming_markdown(text)
                        )
                        messages[-1] = {"role": "assistant", "content": shown}
                        yield list(messages), gr.skip(), state, gr.skip()
                    elif isinstance(event, Done):
                        answer = event.answer
        except (QuestionError, BackendUnavailable) as exc:
            messages[-1] = {"role": "assistant", "content": render.error_markdown(str(exc))}
            yield list(messages), gr.skip(), state, gr.skip()
            return
        except Exception as exc:  # never leave the user with a spinner; a real fault keeps its traceback
            log.exception("échec de la réponse à « %s »", question[:200])
            messages[-1] = {
                "role": "assistant",
                "content": render.error_markdown(
                    f"La réponse n'a pas pu être produite ({type(exc).__name__} : {exc}). Réessayez ou reformulez."
                ),
            }
            yield list(messages), gr.skip(), state, gr.skip()
            return
        turn = {
            "number": number,
            "question": question,
            "answer": answer.to_dict(),
            "filters": _filters_dict(filters),
        }
        turn["contexts"] = self._contexts(turn["answer"])
        turns.append(turn)
        messages[-1] = {"role": "assistant", "content": final_markdown(turn)}
        owners[-1] = number
        yield list(messages), render.sources_html(turns), state, gr.skip()

    def _contexts(self, answer: dict) -> dict[int, tuple[str, str]]:
        """The text around each cited passage of a document that is not a PDF (a PDF shows its page)."""
        texts = [c for c in answer.get("citations") or () if not render.is_pdf_page(c)]
        return {c["id"]: around for c, around in zip(texts, self.assistant.surroundings(texts), strict=True)}

    def reset(self):
        return new_conversation(), [], render.sources_html([]), gr.update(value=None, visible=False), "", ""

    # -- feedback ----------------------------------------------------------------------
    def _settings_snapshot(self, turn: dict) -> dict:
        s, answer = self.settings, turn["answer"]
        return {
            "backend": answer.get("backend"),
            "llm": s.llm,
            "filters": turn.get("filters"),
            "standalone_question": answer.get("standalone_question"),
            "timings_ms": answer.get("timings_ms"),
            "embed_model": s.embed_model,
            "top_k": s.top_k,
            "context_k": s.context_k,
            "chunk_size": s.chunk_size,
            "collection": s.collection,
            "index": s.chroma_url or str(s.resolved_index_dir),
        }

    def record_vote(self, vote: str, comment: str, turn: dict | None, session: str = "") -> str:
        if turn is None:
            return "Posez d'abord une question : l'avis porte sur une réponse."
        answer = turn["answer"]
        self.feedback.add(
            vote=vote,
            question=turn["question"],
            answer=answer["answer"],
            citations=answer["citations"],
            settings=self._settings_snapshot(turn),
            comment=comment or "",
            session=session,
        )
        verdict = "« utile »" if vote == "up" else "« à revoir »"
        return f"Merci ! Votre avis {verdict} sur la réponse {turn['number']} a été enregistré."

    def vote_last(self, vote: str):
        def handler(comment, state, request: gr.Request):
            turns = (state or {}).get("turns") or []
            note = self.record_vote(vote, comment, turns[-1] if turns else None, _session(request))
            return note, "" if turns else comment

        return handler

    def on_like(self, comment, state, data: gr.LikeData, request: gr.Request):
        state = state or new_conversation()
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        owners = state["owners"]
        number = owners[index] if isinstance(index, int) and 0 <= index < len(owners) else None
        turn = next((t for t in state["turns"] if t["number"] == number), None)
        if turn is None:
            return "Cet avis ne porte sur aucune réponse enregistrée.", comment
        liked = (
            data.liked if isinstance(data.liked, bool) else str(data.liked).lower() in ("like", "true", "up")
        )
        return self.record_vote("up" if liked else "down", comment, turn, _session(request)), ""

    # -- export ------------------------------------------------------------------------
    def export(self, state):
        turns = (state or {}).get("turns") or []
        if not turns:
            return gr.update(value=None, visible=False), "Rien à exporter : la conversation est vide."
        text = md_export.conversation_markdown(turns)
        return gr.update(value=md_export.write_markdown(text, "conversation"), visible=True), text

    # -- trainer's workspace -------------------------------------------------------------
    def prepare(self, theme, kinds, year_min, year_max, request: gr.Request = None):
        """Generator: (synthesis part, chronology and passages, Markdown, file). The chronology and the
        passages come at once; the synthesis streams below the theme (every ``DRAFT_EVERY_S``), then
        is replaced by its verified version. Stops when the user leaves or asks something else."""
        stop, shown, last = self._begin(request), False, 0.0
        try:
            for ws in prepare_stream(
                self.assistant, theme or "", make_filters(kinds, year_min, year_max), stop=stop
            ):
                if ws.pending and shown and time.monotonic() - last < DRAFT_EVERY_S:
                    continue
                body = gr.skip() if shown else workspace.body_html(ws)
                shown, last = True, time.monotonic()
                if ws.pending:
                    yield workspace.head_html(ws), body, gr.skip(), gr.update(value=None, visible=False)
        except (QuestionError, BackendUnavailable) as exc:
            yield (
                f'<p class="ws-note" role="alert">{render.WARNING_SVG} {render.esc(exc)}</p>',
                "",
                "",
                gr.update(value=None, visible=False),
            )
            return
        text = workspace.to_markdown(ws)
        path = md_export.write_markdown(text, f"seance-{ws.theme}")
        yield workspace.head_html(ws), body, text, gr.update(value=path, visible=True)

    def _begin(self, request) -> Callable[[], bool]:
        """A new request of this browser session: the one it had running stops at its next step
        (``stop()`` turns true). Without a session (a direct call), nothing is stopped."""
        session = _session(request)
        if not session:
            return lambda: False
        with self._requests_lock:
            token = self._requests[session] = self._requests.get(session, 0) + 1
        return lambda: self._requests.get(session) != token

    def api_chat(self, message, history):
        """``/chat``: message in, answer text with markers (and its sources) out; history per client
        session. Generator: with a language model, the quick answer (the passages' own sentences,
        marked « Réponse rapide ») comes first, then the final answer."""
        history = list(history) if isinstance(history, list) else []
        answer = None
        try:
            for event in self.assistant.stream(message, history=history):
                if isinstance(event, Quick):
                    yield f"{render.QUICK_LABEL}\n{plain_answer(event.to_dict())}", history
                elif isinstance(event, Done):
                    answer = event.answer
        except (QuestionError, BackendUnavailable) as exc:
            raise user_error(str(exc)) from None
        history += [
            {"role": "user", "content": answer.question},
            {"role": "assistant", "content": answer.answer},
        ]
        yield plain_answer(answer.to_dict()), history[-2 * max(self.settings.history_turns, 1) :]

    def api_ask(
        self,
        question: str,
        kinds: list[str] | None = None,
        year_min: int | None = None,
        year_max: int | None = None,
    ) -> dict:
        """``/ask``: question (and optional filters) in, the JSON object of ``assistant ask --json`` out."""
        try:
            return self.assistant.ask(question, filters=api_filters(kinds, year_min, year_max)).to_dict()
        except (QuestionError, BackendUnavailable, InputError) as exc:
            raise user_error(str(exc)) from None


class InputError(ValueError):
    """A value sent to the API cannot be used; the message names the field (French)."""


def user_error(message: str) -> gr.Error:
    """The error a user sees, logged as one line (a user's mistake is not a fault: no traceback)."""
    log.info("requête refusée : %s", message)
    return gr.Error(message, print_exception=False)


def api_filters(kinds, year_min, year_max) -> Filters:
    """The filters of an ``/ask`` call: ``kinds`` a list of kinds, or one kind (or several, comma-separated)."""
    if kinds is None or kinds == "":
        kinds = []
    elif isinstance(kinds, str):
        kinds = [k.strip() for k in kinds.split(",") if k.strip()]
    elif not isinstance(kinds, list | tuple) or not all(isinstance(k, str) for k in kinds):
        raise InputError(
            f"kinds : une liste de types de documents est attendue ({', '.join(KINDS)}), pas « {kinds!r} »."
        )
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise InputError(f"Type de document inconnu : {', '.join(unknown)} (choix : {', '.join(KINDS)})")
    return Filters(
        kinds=tuple(kinds), year_min=_api_year(year_min, "year_min"), year_max=_api_year(year_max, "year_max")
    )


def _api_year(value, name: str) -> int | None:
    if value is None or value == "":
        return None
    year = _year(value) if not isinstance(value, bool) else None
    if year is None:
        raise InputError(
            f"{name} : une année entre 1900 et 2100 est attendue (par exemple 2024), pas « {value!r} »."
        )
    return year


def example_text(data: gr.SelectData) -> str:
    value = data.value
    return value.get("text", "") if isinstance(value, dict) else str(value or "")


def _session(request) -> str:
    return getattr(request, "session_hash", "") or "" if request is not None else ""

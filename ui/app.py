"""The Gradio app: chat with a sources panel, filters, feedback, export, the trainer's workspace,
the library, and the ``/chat`` and ``/ask`` API endpoints.

One :class:`assistant.pipeline.Assistant` is shared by every session (models loaded
once); each browser tab or ``gradio_client`` keeps its own conversation in a
``gr.State``, so sessions never mix.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from assistant.llm.base import BackendUnavailable
from assistant.pipeline import Delta, Done, Reset, Retrieved
from assistant.question import QuestionError
from assistant.retrieve import Filters
from core.documents import FORMATS_LABEL, KINDS, SUPPORTED_EXTENSIONS, kind_choices
from ui import export as md_export
from ui import library, render, workspace
from ui.feedback import FeedbackStore, default_path

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
SEARCHING = "🔎 Recherche dans les documents…"
WRITING = "✍️ Rédaction de la réponse à partir des passages trouvés…"


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
    text = render.answer_markdown(answer["answer"], turn["number"], known)
    if answer.get("fallback"):
        text += (
            "\n\n_Réponse composée de phrases des documents : le modèle de langage n'a pas produit de "
            "réponse appuyée sur les passages._"
        )
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

    # -- status and library --------------------------------------------------------
    def status(self) -> str:
        try:
            return render.status_markdown(self.assistant.status())
        except Exception as exc:  # the index may be unreachable (Chroma server down)
            return f"⚠️ Index indisponible : {render.md_esc(str(exc))}"

    def documents(self):
        return library.documents_rows(self.assistant)

    def upload(self, files):
        if not self.allow_upload:
            raise gr.Error("L'ajout de documents est désactivé sur ce serveur (option --allow-upload).")
        if not files:
            return "Choisissez d'abord un ou plusieurs fichiers.", gr.skip(), gr.skip(), None
        outcome = library.add_files(self.assistant, files if isinstance(files, list) else [files])
        return outcome.summary(), self.documents(), self.status(), None

    # -- chat ------------------------------------------------------------------------------
    def respond(self, message, state, kinds, year_min, year_max):
        """Generator: bubbles, sources panel, state and the input box, updated as the answer arrives."""
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
        answer, text = None, ""
        try:
            for event in self.assistant.stream(question, _history(turns), filters):
                if isinstance(event, Retrieved):
                    messages[-1] = {"role": "assistant", "content": WRITING}
                    panel = render.retrieved_html(event.passages, question, number, self.settings.context_k)
                    yield list(messages), panel, state, gr.skip()
                elif isinstance(event, (Delta, Reset)):  # a reset replaces the text (extractive fallback)
                    text = event.text if isinstance(event, Reset) else text + event.text
                    messages[-1] = {"role": "assistant", "content": render.streaming_markdown(text)}
                    yield list(messages), gr.skip(), state, gr.skip()
                elif isinstance(event, Done):
                    answer = event.answer
        except (QuestionError, BackendUnavailable) as exc:
            messages[-1] = {"role": "assistant", "content": render.error_markdown(str(exc))}
            yield list(messages), gr.skip(), state, gr.skip()
            return
        except Exception as exc:  # never leave the user with a spinner
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
        turns.append(turn)
        messages[-1] = {"role": "assistant", "content": final_markdown(turn)}
        owners[-1] = number
        yield list(messages), render.sources_html(turns), state, gr.skip()

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
        symbol = "👍" if vote == "up" else "👎"
        return f"Merci ! Votre avis {symbol} sur la réponse {turn['number']} a été enregistré."

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
    def prepare(self, theme, kinds, year_min, year_max):
        try:
            ws = workspace.prepare(self.assistant, theme or "", make_filters(kinds, year_min, year_max))
        except QuestionError as exc:
            return f'<p class="ws-note">⚠️ {render.esc(exc)}</p>', "", gr.update(value=None, visible=False)
        except BackendUnavailable as exc:
            return f'<p class="ws-note">⚠️ {render.esc(exc)}</p>', "", gr.update(value=None, visible=False)
        text = workspace.to_markdown(ws)
        path = md_export.write_markdown(text, f"seance-{ws.theme}")
        return workspace.to_html(ws), text, gr.update(value=path, visible=True)

    # -- API ---------------------------------------------------------------------------
    def api_chat(self, message, history):
        """``/chat``: message in, answer text with markers (and its sources) out; history per client session."""
        history = list(history or [])
        try:
            answer = self.assistant.ask(message, history=history)
        except QuestionError as exc:
            raise gr.Error(str(exc)) from None
        except BackendUnavailable as exc:
            raise gr.Error(str(exc)) from None
        history += [
            {"role": "user", "content": answer.question},
            {"role": "assistant", "content": answer.answer},
        ]
        return plain_answer(answer.to_dict()), history[-2 * max(self.settings.history_turns, 1) :]

    def api_ask(
        self,
        question: str,
        kinds: list[str] | None = None,
        year_min: int | None = None,
        year_max: int | None = None,
    ) -> dict:
        """``/ask``: question (and optional filters) in, the JSON object of ``assistant ask --json`` out."""
        unknown = [k for k in (kinds or []) if k not in KINDS]
        if unknown:
            raise gr.Error(
                f"Type de document inconnu : {', '.join(map(str, unknown))} (choix : {', '.join(KINDS)})"
            )
        try:
            filters = Filters(kinds=tuple(kinds or ()), year_min=_year(year_min), year_max=_year(year_max))
            return self.assistant.ask(question, filters=filters).to_dict()
        except QuestionError as exc:
            raise gr.Error(str(exc)) from None
        except BackendUnavailable as exc:
            raise gr.Error(str(exc)) from None


def _example_text(data: gr.SelectData) -> str:
    value = data.value
    return value.get("text", "") if isinstance(value, dict) else str(value or "")


def _session(request) -> str:
    return getattr(request, "session_hash", "") or "" if request is not None else ""


def build_app(
    assistant, allow_upload: bool = False, feedback_path: str | Path | None = None, concurrency: int = 8
) -> gr.Blocks:
    """The whole UI over ``assistant`` (shared by all sessions). Launch it with :func:`ui.server.launch`."""
    app = ChatApp(assistant, allow_upload=allow_upload, feedback_path=feedback_path)
    assistant.retriever  # noqa: B018  (embedding model and BM25 loaded once, before the first session)
    private = {"api_visibility": "private"}

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        state = gr.State(new_conversation())
        gr.Markdown(
            f"# {TITLE}\nRéponses en français, **avec leurs sources**, à partir des documents indexés "
            "(circulaires, cycles de formation, guides). Si l'information n'y est pas, l'assistant le dit.",
            elem_id="intro",
        )
        status = gr.Markdown(elem_id="status-line")
        with (
            gr.Accordion(
                "Filtres : types de documents et période (questions et préparation de séance)",
                open=False,
                elem_id="filters",
            ),
            gr.Row(),
        ):
            kinds = gr.CheckboxGroup(
                KIND_CHOICES,
                label="Types de documents (aucun coché : tous)",
                elem_id="filter-kinds",
                scale=3,
            )
            year_min = gr.Number(
                label="Depuis l'année",
                precision=0,
                minimum=1990,
                maximum=2100,
                elem_id="filter-year-min",
                scale=1,
            )
            year_max = gr.Number(
                label="Jusqu'à l'année",
                precision=0,
                minimum=1990,
                maximum=2100,
                elem_id="filter-year-max",
                scale=1,
            )
        with gr.Tabs():
            with gr.Tab("Questions", id="chat-tab", elem_id="chat-tab"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(
                            label="Conversation",
                            elem_id="chatbot",
                            height=540,
                            placeholder="**Posez une question sur la politique de la ville.**  \n"
                            "Chaque réponse cite ses sources ; cliquez sur un numéro [1] pour voir "
                            "le passage.",
                            examples=[{"text": q} for q in EXAMPLES],
                            feedback_options=("Like", "Dislike"),
                            buttons=["copy"],
                            sanitize_html=True,
                            render_markdown=True,
                            latex_delimiters=[],
                            group_consecutive_messages=False,
                        )
                        with gr.Row():
                            message = gr.Textbox(
                                placeholder="Votre question (ex. : Comment mobiliser le droit commun ?)",
                                show_label=False,
                                lines=1,
                                max_lines=6,
                                scale=5,
                                elem_id="question",
                                autofocus=True,
                            )
                            send = gr.Button("Envoyer", variant="primary", scale=1, elem_id="send")
                        with gr.Row():
                            reset = gr.Button(
                                "🗒️ Nouvelle conversation", elem_id="new-conversation", size="sm"
                            )
                            export_btn = gr.Button(
                                "⬇️ Exporter la conversation (Markdown)", elem_id="export", size="sm"
                            )
                        with gr.Accordion(
                            "Votre avis sur la dernière réponse", open=True, elem_id="feedback"
                        ):
                            comment = gr.Textbox(
                                label="Commentaire (facultatif)",
                                lines=1,
                                max_lines=4,
                                placeholder="Ce qui manque, ce qui est faux, ce qui aide…",
                                elem_id="feedback-comment",
                            )
                            with gr.Row():
                                vote_up = gr.Button("👍 Réponse utile", elem_id="vote-up", size="sm")
                                vote_down = gr.Button("👎 Réponse à revoir", elem_id="vote-down", size="sm")
                            feedback_note = gr.Markdown(elem_id="feedback-status")
                        export_file = gr.File(
                            label="Conversation exportée", visible=False, elem_id="export-file"
                        )
                        with gr.Accordion("Texte Markdown de l'export", open=False):
                            export_text = gr.Textbox(
                                show_label=False,
                                lines=8,
                                max_lines=20,
                                buttons=["copy"],
                                elem_id="export-text",
                            )
                    with gr.Column(scale=2, elem_id="sources-column"):
                        gr.Markdown("### Sources")
                        sources = gr.HTML(render.sources_html([]), elem_id="sources", js_on_load=None)

            with gr.Tab("Préparer une séance", id="workspace-tab", elem_id="workspace-tab"):
                gr.Markdown(
                    "Indiquez le thème de la séance : l'assistant rassemble les passages les plus "
                    "pertinents par document, la chronologie des dates qu'ils mentionnent et, si un "
                    "modèle de langage est disponible, une synthèse citée et des questions de discussion."
                )
                with gr.Row():
                    theme = gr.Textbox(
                        label="Thème de la séance",
                        placeholder="ex. : gouvernance du contrat de ville",
                        scale=4,
                        elem_id="ws-theme",
                    )
                    prepare_btn = gr.Button(
                        "Préparer la séance", variant="primary", scale=1, elem_id="ws-prepare"
                    )
                gr.Examples([[t] for t in THEME_EXAMPLES], inputs=[theme], label="Exemples de thèmes")
                ws_html = gr.HTML(elem_id="workspace", js_on_load=None)
                ws_file = gr.File(label="Dossier de séance (Markdown)", visible=False, elem_id="ws-file")
                with gr.Accordion("Texte Markdown du dossier", open=False):
                    ws_text = gr.Textbox(
                        show_label=False, lines=8, max_lines=30, buttons=["copy"], elem_id="ws-text"
                    )

            with gr.Tab("Bibliothèque", id="library-tab", elem_id="library-tab"):
                docs = gr.Dataframe(
                    headers=library.COLUMNS,
                    interactive=False,
                    wrap=True,
                    elem_id="documents",
                    label="Documents indexés",
                    column_widths=["38%", "15%", "13%", "8%", "12%", "14%"],
                )
                refresh = gr.Button("Actualiser la liste", size="sm", elem_id="library-refresh")
                if allow_upload:
                    max_mb = assistant.settings.max_upload_mb
                    gr.Markdown(
                        f"**Ajouter des documents** — {FORMATS_LABEL}, {max_mb} Mo au "
                        "plus par fichier. Un fichier déjà déposé sous le même nom est remplacé."
                    )
                    uploads = gr.File(
                        label="Fichiers à ajouter",
                        file_count="multiple",
                        file_types=list(SUPPORTED_EXTENSIONS),
                        elem_id="upload",
                    )
                    ingest_btn = gr.Button("Indexer les fichiers", variant="primary", elem_id="upload-ingest")
                    report = gr.Textbox(
                        label="Rapport d'indexation", lines=6, interactive=False, elem_id="upload-report"
                    )
                    ingest_btn.click(
                        app.upload, [uploads], [report, docs, status, uploads], concurrency_limit=1, **private
                    )
                else:
                    gr.Markdown(
                        "_L'ajout de documents par le navigateur est désactivé sur ce serveur "
                        "(lancez `assistant serve --allow-upload` pour l'activer). Vous pouvez indexer des "
                        "fichiers avec `assistant ingest DOSSIER`._"
                    )

        # -- events ------------------------------------------------------------------------
        chat_inputs = [message, state, kinds, year_min, year_max]
        chat_outputs = [chatbot, sources, state, message]
        gr.on([message.submit, send.click], app.respond, chat_inputs, chat_outputs, **private)
        chatbot.example_select(_example_text, None, [message], **private).then(
            app.respond, chat_inputs, chat_outputs, **private
        )
        reset_outputs = [state, chatbot, sources, export_file, export_text, feedback_note]
        reset.click(app.reset, None, reset_outputs, **private)
        chatbot.clear(app.reset, None, reset_outputs, **private)  # the chat's own bin icon resets too
        vote_up.click(app.vote_last("up"), [comment, state], [feedback_note, comment], **private)
        vote_down.click(app.vote_last("down"), [comment, state], [feedback_note, comment], **private)
        chatbot.like(app.on_like, [comment, state], [feedback_note, comment], **private)
        export_btn.click(app.export, [state], [export_file, export_text], **private)
        gr.on(
            [theme.submit, prepare_btn.click],
            app.prepare,
            [theme, kinds, year_min, year_max],
            [ws_html, ws_text, ws_file],
            **private,
        )
        refresh.click(lambda: (app.documents(), app.status()), None, [docs, status], **private)
        demo.load(lambda: (app.status(), app.documents()), None, [status, docs], **private)

        # -- API for scripts (gradio_client) ---------------------------------------------------
        api_message = gr.Textbox(visible=False, label="message")
        api_reply = gr.Textbox(visible=False, label="réponse")
        api_history = gr.State([])
        api_message.submit(
            app.api_chat,
            [api_message, api_history],
            [api_reply, api_history],
            api_name="chat",
            api_description="Pose une question (la conversation du client est gardée pour les "
            "questions de suite) ; renvoie la réponse avec ses marqueurs [n] et "
            "ses sources numérotées.",
        )
        gr.api(
            app.api_ask,
            api_name="ask",
            api_description="Question (et filtres facultatifs : kinds, year_min, year_max) ; renvoie l'objet "
            "JSON de `assistant ask --json`.",
        )
    demo.queue(default_concurrency_limit=concurrency)
    return demo

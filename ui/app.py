"""The Gradio page: chat with a sources panel, filters, feedback, export, the trainer's workspace,
the library, and the ``/chat`` and ``/ask`` API endpoints. The handlers are in :mod:`ui.handlers`.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from core.documents import FORMATS_LABEL, SUPPORTED_EXTENSIONS
from ui import library, render
from ui.handlers import (
    EXAMPLES,
    KIND_CHOICES,
    THEME_EXAMPLES,
    TITLE,
    ChatApp,
    example_text,
    new_conversation,
)

ICONS = Path(__file__).resolve().parent / "icons"
# what was checked, what is not (RGAA 4.1): shown at the foot of the page
ACCESSIBILITY = (Path(__file__).resolve().parent / "accessibility.md").read_text(encoding="utf-8")


def icon(name: str) -> str:
    """A button's icon: an SVG file shipped with the app (renders without an emoji font)."""
    return str(ICONS / f"{name}.svg")


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
                precision=0,  # no minimum: an empty box is no bound (a minimum made Gradio refuse 0)
                elem_id="filter-year-min",
                scale=1,
            )
            year_max = gr.Number(
                label="Jusqu'à l'année",
                precision=0,  # no minimum: an empty box is no bound (a minimum made Gradio refuse 0)
                elem_id="filter-year-max",
                scale=1,
            )
        with gr.Tabs(overflow_behavior="wrap"):  # on a phone the tabs wrap, none hides behind « … »
            with gr.Tab("Questions", id="chat-tab", elem_id="chat-tab"):
                # on a phone (ui/server.py CSS) the chat column's blocks and the sources are reordered:
                # conversation, question box, sources, then the feedback and the export
                with gr.Row(equal_height=False, elem_id="chat-row"):
                    with gr.Column(scale=3, elem_id="chat-column"):
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
                        with gr.Row(elem_id="ask-row"):
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
                        with gr.Row(elem_id="chat-actions"):
                            reset = gr.Button(
                                "Nouvelle conversation",
                                icon=icon("nouvelle"),
                                elem_id="new-conversation",
                                size="sm",
                            )
                            export_btn = gr.Button(
                                "Exporter la conversation (Markdown)",
                                icon=icon("exporter"),
                                elem_id="export",
                                size="sm",
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
                                vote_up = gr.Button(
                                    "Réponse utile", icon=icon("utile"), elem_id="vote-up", size="sm"
                                )
                                vote_down = gr.Button(
                                    "Réponse à revoir", icon=icon("a_revoir"), elem_id="vote-down", size="sm"
                                )
                            feedback_note = gr.Markdown(elem_id="feedback-status")
                        export_file = gr.File(
                            label="Conversation exportée", visible=False, elem_id="export-file"
                        )
                        with gr.Accordion(
                            "Texte Markdown de l'export", open=False, elem_id="export-text-box"
                        ):
                            export_text = gr.Textbox(
                                show_label=False,
                                lines=8,
                                max_lines=20,
                                buttons=["copy"],
                                elem_id="export-text",
                            )
                    with gr.Column(scale=2, elem_id="sources-column"):
                        gr.Markdown("## Sources")
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
                ws_head = gr.HTML(
                    elem_id="workspace-synthesis", js_on_load=None
                )  # theme, synthesis, questions
                ws_html = gr.HTML(elem_id="workspace", js_on_load=None)  # chronology, passages: at once
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
                    column_widths=["26%", "9%", "8%", "10%", "20%", "6%", "9%", "12%"],
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

        with gr.Accordion("Déclaration d'accessibilité", open=False, elem_id="accessibility"):
            gr.Markdown(ACCESSIBILITY)

        # -- events ------------------------------------------------------------------------
        chat_inputs = [message, state, kinds, year_min, year_max]
        chat_outputs = [chatbot, sources, state, message]
        gr.on([message.submit, send.click], app.respond, chat_inputs, chat_outputs, **private)
        chatbot.example_select(example_text, None, [message], **private).then(
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
            [ws_head, ws_html, ws_text, ws_file],
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

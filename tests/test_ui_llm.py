"""The UI with a language model behind it: the chat when the model's answer is thrown away
(a ("reset", text) event), and the trainer's workspace synthesis.

``Assistant.stream`` yields ("reset", text) when the model streamed something no passage
supports (here: bare citation markers); the UI must replace what it has shown so far with
the extractive answer, then show the final answer with its sources and a note saying it
was composed from the documents' sentences. In « Préparer une séance », the model's synthesis
keeps only sentences the passages support (markers re-pointed to them) and its 3-5 questions.

Everything is real (seeds index, e5 model, the OpenAI-compatible backend built on
llama-index's ``OpenAILike``, its HTTP client) except the model itself: a scripted
OpenAI-compatible endpoint on 127.0.0.1 streams the bad output, because no real model
misbehaves on demand.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ui import render
from ui.handlers import SEARCHING, WRITING, ChatApp, new_conversation

CALENDAR = "Quel est le calendrier de signature des contrats de ville ?"
SLIDE_DECK = "002_ade2664f57edfe95.txt"
SCRIPT = ["[1]", " [2]", " [3]"]  # markers and nothing else: not an answer


class ScriptedModel(BaseHTTPRequestHandler):
    requests: list[dict] = []
    script: list[str] = SCRIPT

    def log_message(self, *args):  # quiet
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ScriptedModel.requests.append({"path": self.path, "body": body})
        if not body.get("stream"):  # a whole completion (the workspace, condensing)
            data = json.dumps(
                {
                    "id": "scripted",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": "".join(ScriptedModel.script)},
                        }
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for piece in ScriptedModel.script + [None]:
            chunk = {
                "id": "scripted",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "delta": {"content": piece} if piece else {},
                        "finish_reason": None if piece else "stop",
                    }
                ],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


@pytest.fixture(scope="module")
def scripted_endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ScriptedModel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


@pytest.fixture
def openai_app(seeds_assistant, scripted_endpoint, tmp_path):
    from assistant.pipeline import Assistant

    settings = seeds_assistant.settings.model_copy(
        update={
            "llm": "openai",
            "openai_base_url": scripted_endpoint,
            "openai_model": "modele-scripte",
            "openai_api_key": "sk-local",
        }
    )
    bot = Assistant(settings, store=seeds_assistant.store, embed_model=seeds_assistant.embed_model)
    return ChatApp(bot, feedback_path=tmp_path / "feedback.sqlite")


def test_reset_replaces_the_streamed_text_with_the_extractive_answer(openai_app, seeds_assistant):
    ScriptedModel.requests.clear()
    ScriptedModel.script = SCRIPT
    state = new_conversation()
    steps = list(openai_app.respond(CALENDAR, state, [], None, None))
    bubbles = [step[0][-1]["content"] for step in steps]

    # the model was really called, through the OpenAI-compatible backend, with the passages
    assert len(ScriptedModel.requests) == 1
    request = ScriptedModel.requests[0]
    assert request["path"].endswith("/chat/completions") and request["body"]["stream"] is True
    assert "31 mars 2024" in json.dumps(request["body"]["messages"], ensure_ascii=False)

    expected = seeds_assistant.ask(CALENDAR)  # what the extractive backend answers on the same index
    assert not expected.abstained and expected.citations
    assert bubbles[0] == SEARCHING and bubbles[1] == WRITING
    # the quick answer first, then the model's output under it, as it came
    quick = next(i for i, b in enumerate(bubbles) if b.startswith(f"**{render.QUICK_LABEL}**"))
    model = render.streaming_markdown("".join(SCRIPT))
    streamed = next(i for i, b in enumerate(bubbles) if render.SYNTHESIS_LABEL in b and model in b)
    reset = bubbles.index(render.streaming_markdown(expected.answer))  # then replaced, not appended to
    assert quick < streamed < reset < len(bubbles) - 1
    assert all("[1] [2] [3]" not in b for b in bubbles[reset:])

    turn = state["turns"][0]
    assert turn["answer"]["fallback"] == "extractive" and turn["answer"]["backend"] == "openai"
    assert turn["answer"]["answer"] == expected.answer
    assert [c["source"] for c in turn["answer"]["citations"]] == [
        c.passage.source for c in expected.citations
    ]
    final = bubbles[-1]
    assert "Réponse composée de phrases des documents" in final and 'class="cite"' in final
    assert "▌" not in final
    # every bubble still being written carries the mark that hides the vote buttons under it
    assert all(render.WRITING_MARK in b for b in bubbles[:-1]) and render.WRITING_MARK not in final
    panel = steps[-1][1]
    assert 'id="src-1-1"' in panel and expected.citations[0].passage.source in panel


SYNTHESIS = [
    "Synthèse : Les contrats de ville 2024-2030 sont élaborés au plus tard le 31 mars 2024 [1]. ",
    "Les contrats sont signés par les astronautes de la station lunaire [2].\n\n",
    "Questions :\n- Comment tenir ce calendrier dans notre territoire ?\n",
    "- Qui associer à la négociation des engagements ?\n- Quelle place pour la consultation citoyenne ?\n",
]


def test_workspace_synthesis_keeps_only_supported_sentences(openai_app):
    from assistant.workspace import prepare
    from ui import workspace

    ScriptedModel.requests.clear()
    ScriptedModel.script = SYNTHESIS
    ws = prepare(openai_app.assistant, "calendrier des contrats de ville")
    assert len(ScriptedModel.requests) == 1 and ws.backend == "openai"
    assert "31 mars 2024" in ws.synthesis and "lunaire" not in ws.synthesis  # the invention is dropped
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", ws.synthesis)]
    assert markers and all(ws.passages[n - 1].source == SLIDE_DECK for n in markers), ws.synthesis
    assert ws.questions == [
        "Comment tenir ce calendrier dans notre territoire ?",
        "Qui associer à la négociation des engagements ?",
        "Quelle place pour la consultation citoyenne ?",
    ]
    md = workspace.to_markdown(ws)
    assert (
        "31 mars 2024" in md
        and "Qui associer à la négociation des engagements ?" in md
        and "lunaire" not in md
    )
    steps = list(openai_app.prepare("calendrier des contrats de ville", [], None, None))
    first_head, first_body = steps[0][0], steps[0][1]
    assert "en cours de rédaction" in first_head and "Chronologie" in first_body  # before the model's text
    head, _, text, update = steps[-1]
    assert "Qui associer" in head and "lunaire" not in head and update["visible"] is True


def test_workspace_synthesis_marker_points_to_the_passage_with_the_date(openai_app):
    from assistant.workspace import prepare

    ScriptedModel.script = SYNTHESIS
    ws = prepare(openai_app.assistant, "calendrier des contrats de ville")
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", ws.synthesis)]
    assert markers and all("31 mars 2024" in ws.passages[n - 1].text for n in markers)

"""The web app's API for scripts, on the real server over the seeds index (extractive backend, no mocks).

The server is started on 127.0.0.1 (free port) with ``ui.server.serve_in_background``
and queried with ``gradio_client`` (analytics off; HF_HUB_OFFLINE=1 is set by
``import assistant`` in conftest).
"""

from __future__ import annotations

import json
import os
import re

import pytest
from conftest import ANSWER_FIELDS, CITATION_FIELDS, gradio_client
from gradio_client import Client
from gradio_client.exceptions import AppError

CALENDAR = "Quel est le calendrier de signature des contrats de ville ?"
SLIDE_DECK = (
    "002_ade2664f57edfe95.txt"  # slides of session 2 of the qualification cycle (../shared/seeds/README.md)
)
UNANSWERABLE = "Quel montant de crédits du programme 147 a été consacré aux contrats de ville en 2024 ?"
REFUSAL = "Je ne trouve pas cette information dans les documents indexés."


@pytest.fixture(scope="module")
def server(seeds_assistant, tmp_path_factory):
    from ui.server import serve_in_background

    demo, url = serve_in_background(
        seeds_assistant, feedback_path=tmp_path_factory.mktemp("api_fb") / "fb.sqlite"
    )
    assert url.startswith("http://127.0.0.1:")
    yield url
    demo.close()


def client(url: str) -> Client:
    """Timeouts: conftest.SERVER_TIMEOUT_S per HTTP operation and per prediction (not httpx's 5 s)."""
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    return gradio_client(url)


def sources_of(reply: str) -> dict[int, str]:
    """``[n] Title (file)`` lines after "Sources :" in a /chat reply -> {n: file}."""
    if "\nSources :\n" not in reply:
        return {}
    block = reply.split("\nSources :\n", 1)[1]
    return {
        int(m.group(1)): m.group(2)
        for m in re.finditer(r"^\[(\d+)\] .*\(([^(),]+?)(?:, page \d+)?\)$", block, re.M)
    }


def test_api_lists_exactly_chat_and_ask(server):
    endpoints = client(server).view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == {"/chat", "/ask"}


def test_chat_answers_the_calendar_question_citing_the_slide_deck(server):
    reply = client(server).predict(CALENDAR, api_name="/chat")
    answer = reply.split("\nSources :\n", 1)[0]
    assert "31 mars 2024" in answer
    sources = sources_of(reply)
    assert SLIDE_DECK in sources.values(), reply
    # the sentence with the deadline carries a marker that points to the slide deck
    sentence = next(s for s in re.split(r"(?<=\])\s+", answer) if "31 mars 2024" in s)
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", sentence)]
    assert markers and all(sources[n] == SLIDE_DECK for n in markers)


def test_ask_returns_the_cli_json_object(server, seeds_assistant):
    result = client(server).predict(CALENDAR, api_name="/ask")
    assert list(result) == ANSWER_FIELDS
    assert result["abstained"] is False and result["backend"] == "extractive"
    assert "31 mars 2024" in result["answer"]
    assert all(set(c) == CITATION_FIELDS for c in result["citations"])
    deadline = [c for c in result["citations"] if "31 mars 2024" in c["text"]]
    assert deadline and all(c["source"] == SLIDE_DECK for c in deadline)
    assert {int(n) for n in re.findall(r"\[(\d+)\]", result["answer"])} == {
        c["id"] for c in result["citations"]
    }
    # the same object as `assistant ask --json` (Answer.to_dict) apart from the timings
    expected = json.loads(json.dumps(seeds_assistant.ask(CALENDAR).to_dict(), ensure_ascii=False))
    assert set(result) == set(expected)
    for key in set(expected) - {"timings_ms"}:
        assert result[key] == expected[key], key
    assert set(result["timings_ms"]) >= {"retrieve", "generate", "total"}


def test_unanswerable_question_is_refused_without_citations(server):
    c = client(server)
    result = c.predict(question=UNANSWERABLE, api_name="/ask")
    assert result["abstained"] is True
    assert result["answer"] == REFUSAL
    assert result["citations"] == []
    assert c.predict(UNANSWERABLE, api_name="/chat") == REFUSAL


def test_follow_up_uses_the_session_history_and_sessions_do_not_mix(server):
    first = "Quand avait lieu la dernière journée du cycle lyonnais de Labo Cités en 2023 ?"
    follow_up = "Et qui l'animait ?"
    alice, bob = client(server), client(server)
    assert "16 juin 2023" in alice.predict(first, api_name="/chat")
    assert "31 mars 2024" in bob.predict(CALENDAR, api_name="/chat")  # another conversation in between
    # the follow-up is understood with alice's own first question: the 4th day was run by Pluricité
    assert "desjonqu" in alice.predict(follow_up, api_name="/chat").lower()
    # bob's conversation (the calendar) and a fresh one do not lead there: nothing leaked between sessions
    assert "desjonqu" not in bob.predict(follow_up, api_name="/chat").lower()
    assert "desjonqu" not in client(server).predict(follow_up, api_name="/chat").lower()


def test_filters_apply_to_retrieval(server):
    result = client(server).predict(question=CALENDAR, kinds=["guide"], api_name="/ask")
    assert all(c["kind"] == "guide" for c in result["citations"])
    assert all(c["source"] != SLIDE_DECK for c in result["citations"])
    recent = client(server).predict(question=CALENDAR, year_min=2024, api_name="/ask")
    assert all(c["date"] >= "2024" for c in recent["citations"])


@pytest.mark.parametrize(
    "question, message",
    [
        ("x" * 100_000, "trop longue"),
        ("\x00\x01\x02\x7f", "vide"),
        ("   ", "vide"),
    ],
)
def test_bad_questions_get_a_clear_french_message(server, question, message):
    c = client(server)
    for endpoint in ("/chat", "/ask"):
        with pytest.raises(AppError, match=message):
            c.predict(question, api_name=endpoint)


def test_control_characters_inside_a_question_are_ignored(server):
    result = client(server).predict(
        "Quel est le calendrier\x00 de signature\x07 des contrats\x1b de ville ?", api_name="/ask"
    )
    assert "31 mars 2024" in result["answer"]


def test_unknown_kind_is_refused(server):
    with pytest.raises(AppError, match="Type de document inconnu"):
        client(server).predict(question=CALENDAR, kinds=["<script>"], api_name="/ask")


def test_concurrent_sessions_get_their_own_correct_answers(server):
    """A light version of the reliability load test: parallel sessions with follow-ups, nothing mixed."""
    from concurrent.futures import ThreadPoolExecutor

    first = "Quand avait lieu la dernière journée du cycle lyonnais de Labo Cités en 2023 ?"

    def session(i: int) -> list[str]:
        c = client(server)
        if i % 2:
            return [c.predict(CALENDAR, api_name="/chat"), c.predict("Et qui l'animait ?", api_name="/chat")]
        return [c.predict(first, api_name="/chat"), c.predict("Et qui l'animait ?", api_name="/chat")]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(session, range(8)))
    for i, (answer, follow_up) in enumerate(results):
        if i % 2:
            assert "31 mars 2024" in answer and "desjonqu" not in follow_up.lower()
        else:
            assert "16 juin 2023" in answer and "desjonqu" in follow_up.lower()

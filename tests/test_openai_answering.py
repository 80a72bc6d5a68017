"""The whole answer path with the ``openai`` backend: an OpenAI-compatible HTTP server answers.

The server is xllamacpp's own (the packaged Qwen2.5-Coder-1.5B, bound to 127.0.0.1, with an API
key), the same kind of endpoint as Ollama, vLLM or the Albert API; the client is llama-index's
OpenAILike. The answering issue's checks, in this backend: the calendar question, the droit commun
question (every unanswerable dev question: test_local_answering.py, parametrized over both model
backends). Fixtures ``openai_server`` and ``openai_assistant``: conftest.py.
"""

from __future__ import annotations

import re

CALENDAR = "Quel est le calendrier de signature des contrats de ville 2024-2030 ?"
SLIDE_DECK = "002_ade2664f57edfe95.txt"
GUIDE = "004_8649248bb84313d8.txt"


def test_calendar_through_the_openai_backend_cites_the_slide_deck_with_the_deadline(openai_assistant):
    answer = openai_assistant.ask(CALENDAR)
    assert answer.backend == "openai" and not answer.abstained
    line = next(s for s in answer.answer.splitlines() if "31 mars 2024" in s)
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", line)}
    assert markers and SLIDE_DECK in {answer.citations[n - 1].passage.source for n in markers}


def test_droit_commun_through_the_openai_backend_names_the_2014_circular_from_the_guide(openai_assistant):
    answer = openai_assistant.ask("Comment mobiliser le droit commun ?")
    assert not answer.abstained and "26 mars 2014" in answer.answer
    line = next(s for s in answer.answer.splitlines() if "26 mars 2014" in s)
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", line)}
    assert markers and {answer.citations[n - 1].passage.source for n in markers} == {GUIDE}

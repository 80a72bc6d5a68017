"""Answering over the real seeds with the extractive backend: citations, refusals, filters, follow-ups.

Real parts only: the seeds are ingested into a real Chroma index with the real e5 model
(conftest ``seeds_assistant``). The local-LLM path has its own file (test_local_llm.py).
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import ANSWER_FIELDS, CITATION_FIELDS, SEEDS_DEV

from assistant.prompting import REFUSAL
from assistant.retrieve import Filters
from assistant.verify import verify
from ingest.loaders import load

CALENDAR = "Quel est le calendrier de signature des contrats de ville 2024-2030 ?"
DROIT_COMMUN = "Comment mobiliser le droit commun dans un contrat de ville ?"
SLIDE_DECK = "002_ade2664f57edfe95.txt"
GUIDE = "004_8649248bb84313d8.txt"


def _markers(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d+)\]", text)}


@pytest.fixture(scope="module")
def calendar(seeds_assistant):
    return seeds_assistant.ask(CALENDAR)


def test_calendar_answer_gives_the_deadline_and_cites_the_slide_deck(calendar):
    assert not calendar.abstained
    assert "31 mars 2024" in calendar.answer
    cited = {c.passage.source for c in calendar.citations}
    assert SLIDE_DECK in cited
    # the sentence carrying the date cites a passage that contains it
    line = next(s for s in re.split(r"(?<=\])\s+", calendar.answer) if "31 mars 2024" in s)
    assert any("31 mars 2024" in calendar.citations[n - 1].passage.text for n in _markers(line))


def test_every_marker_maps_to_a_citation_with_its_exact_passage(calendar, seeds_dir):
    ids = [c.id for c in calendar.citations]
    assert ids == list(range(1, len(ids) + 1))
    assert _markers(calendar.answer) == set(ids)
    for citation in calendar.citations:
        p = citation.passage
        assert p.title and p.source and p.kind
        # the offsets name the passage exactly in the document's text as loaded (cleaned)
        assert load(seeds_dir / p.source).text[p.start : p.end] == p.text


@pytest.mark.parametrize(
    "question",
    [
        "Comment mobiliser le droit commun ?",
        DROIT_COMMUN,
        DROIT_COMMUN + " Sur quels textes et quels outils m'appuyer ?",
    ],
)
def test_droit_commun_answer_cites_the_guide_page(seeds_assistant, question):
    answer = seeds_assistant.ask(question)
    assert not answer.abstained
    assert "26 mars 2014" in answer.answer  # the circular, cited from the guide
    assert GUIDE in {c.passage.source for c in answer.citations}
    line = next(s for s in answer.answer.splitlines() if "26 mars 2014" in s)
    assert all(answer.citations[n - 1].passage.source == GUIDE for n in _markers(line))


@pytest.mark.parametrize(
    "question",
    [
        "Quel est le montant du programme 147 consacré aux contrats de ville en 2024 ?",
        "Quel est le taux de pauvreté moyen dans les quartiers prioritaires ?",
        "Quelle est la recette de la tarte tatin ?",
    ],
)
def test_unanswerable_questions_get_the_fixed_refusal_and_suggestions(seeds_assistant, question):
    answer = seeds_assistant.ask(question)
    assert answer.abstained
    assert answer.answer == REFUSAL == "Je ne trouve pas cette information dans les documents indexés."
    assert answer.citations == []
    assert answer.to_dict()["citations"] == []
    if "tarte" not in question:
        assert answer.suggestions and all({"title", "source"} <= set(s) for s in answer.suggestions)


UNANSWERABLE = [
    json.loads(line)
    for line in SEEDS_DEV.read_text(encoding="utf-8").splitlines()
    if line.strip() and not json.loads(line)["answerable"]
]
assert UNANSWERABLE, f"no unanswerable question in {SEEDS_DEV}"  # an empty parametrize would skip


@pytest.mark.parametrize("item", UNANSWERABLE, ids=lambda i: i["id"])
def test_every_unanswerable_dev_question_is_refused(seeds_assistant, item):
    answer = seeds_assistant.ask(item["question"])
    assert answer.abstained and answer.answer == REFUSAL and answer.citations == [], answer.answer


def test_a_reference_keeps_its_short_pieces_with_it(seeds_assistant):
    # « Villes et Territoires LR, septembre 2016. 112 p. »: the page count is a fragment of the
    # reference, not a sentence of its own, so the answer holds both with the guide's marker
    answer = seeds_assistant.ask(
        "De quand date le document de capitalisation de Villes et Territoires LR sur les "
        "conseils citoyens, et combien de pages compte-t-il ?"
    )
    line = next(s for s in re.split(r"(?<=\])\s+", answer.answer) if "septembre 2016" in s)
    assert "112 p." in line
    assert {answer.citations[n - 1].passage.source for n in _markers(line)} == {GUIDE}


def test_kind_filter_restricts_every_source(seeds_assistant):
    assert {p.kind for p in seeds_assistant.retrieve(CALENDAR)} == {"cycle"}  # unfiltered: the cycles
    answer = seeds_assistant.ask(CALENDAR, filters=Filters(kinds=("guide",)))
    assert answer.retrieved and {p.kind for p in answer.retrieved} == {"guide"}
    assert all(c.passage.kind == "guide" for c in answer.citations)
    assert "31 mars 2024" not in answer.answer  # the date is only in the (filtered out) slide deck


def test_year_filter_excludes_older_documents(seeds_assistant):
    answer = seeds_assistant.ask(DROIT_COMMUN, filters=Filters(year_min=2023))
    years = {p.date[:4] for p in answer.retrieved if p.date}
    assert years and all(y >= "2023" for y in years), years


def test_follow_up_is_rewritten_with_the_history(seeds_assistant):
    history = [
        {"role": "user", "content": CALENDAR},
        {"role": "assistant", "content": seeds_assistant.ask(CALENDAR).answer},
    ]
    answer = seeds_assistant.ask("et pour la gouvernance ?", history=history)
    assert "gouvernance" in answer.standalone_question
    assert "contrats de ville" in answer.standalone_question
    assert not answer.abstained
    assert "gouvernance" in answer.answer.lower()


def test_history_is_bounded(seeds_assistant):
    long_history = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": f"message {i} sur le sport"}
        for i in range(200)
    ]
    answer = seeds_assistant.ask(CALENDAR, history=long_history)  # a full question: no rewrite
    assert answer.standalone_question == CALENDAR
    assert "31 mars 2024" in answer.answer


def test_verification_drops_unknown_and_unsupported_markers(seeds_assistant):
    passages = seeds_assistant.retrieve(CALENDAR)[:3]
    supported = max(passages[0].text.splitlines(), key=len).rstrip(".")
    text = (
        f"{supported}. [1] Les contrats sont signés par les astronautes de la station lunaire [2]. "
        f"Une phrase inventée sans source qui parle de pingouins et de volcans. [7]"
    )
    out, citations = verify(text, passages, seeds_assistant.settings)
    assert "pingouins" not in out  # marker to nothing, supported by nothing: dropped
    assert "astronautes" not in out  # cited, but its passage does not say it: dropped, never shown as cited
    assert out.startswith(supported[:30]) and f"{supported[-20:]}. [1]" in out
    assert [c.id for c in citations] == sorted(_markers(out))
    assert all(1 <= n <= len(citations) for n in _markers(out))
    assert citations[0].passage is passages[0]


def test_answer_json_is_stable(calendar):
    data = calendar.to_dict()
    assert list(data) == ANSWER_FIELDS
    assert data["backend"] == "extractive" and data["refusal_reason"] == ""
    assert set(data["citations"][0]) == CITATION_FIELDS

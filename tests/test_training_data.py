"""The training-data generator (evals/training) on texts written for it, without the model: the
sentences it starts from, their kinds, the round-trip filters, the unanswerable variants."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from core.settings import get_settings
from evals.training.generate import judge, parse
from evals.training.kinds import kind_of
from evals.training.sources import Source, sources, split_of
from evals.training.unanswerable import text_name, variants

TEXTS = Path(__file__).resolve().parents[1] / "evals" / "training" / "texts"


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("L'État mobilise 420 000 euros par an au titre des crédits de la politique de la ville.", "amount"),
        ("Le rapport est présenté au comité de pilotage au plus tard le 30 juin 2027.", "deadline"),
        ("Le comité de pilotage est coprésidé par le sous-préfet et la vice-présidente.", "who"),
        ("La convention peut être révisée par avenant, à la demande de l'un des signataires.", "yes_no"),
        ("On entend par quartier prioritaire un quartier dont le revenu médian est faible.", "definition"),
        ("Lorsque le bilan manque, aucune subvention nouvelle n'est accordée au porteur.", "condition"),
        ("L'atelier se tient à Brévannes, dans la salle polyvalente du centre social.", "where"),
        ("Le jury se réunit dans les locaux de la sous-préfecture.", "where"),
        ("Le conseil citoyen se réunit chaque mois.", "what"),  # when, not where
    ],
)
def test_a_sentence_gets_the_kind_of_question_it_answers(sentence, kind):
    assert kind_of(sentence) == kind


def test_sources_are_usable_sentences_of_every_text_in_a_stable_order():
    first = list(sources(TEXTS, get_settings(), 50, seed=3))
    again = list(sources(TEXTS, get_settings(), 50, seed=3))
    assert [s.key for s in first] == [s.key for s in again]  # seeded
    assert {s.document for s in first} == {p.name for p in TEXTS.glob("*.md")}
    assert all(len(s.sentence.split()) >= 8 and s.sentence in " ".join(s.context.split()) for s in first)
    assert not any(
        s.sentence.startswith("#") or s.sentence.endswith(":") for s in first
    )  # no heading, no intro
    assert len(Counter(s.kind for s in first)) >= 6  # dates, amounts, actors, conditions…
    assert {split_of(s.document) for s in first} <= {"train", "validation", "test"}


def test_the_models_reply_is_read_or_refused():
    assert parse("Question : Qui préside le comité ?\n\nRéponse : le sous-préfet") == (
        "Qui préside le comité ?",
        "le sous-préfet",
    )
    assert parse("Voici une question intéressante.") is None
    assert parse("Question : Le comité\nRéponse : oui") is None  # no question mark


def _source(sentence: str) -> Source:
    return Source("convention.md", "Convention", sentence, sentence, kind_of(sentence), sentence)


def test_the_round_trip_keeps_an_answer_the_passage_gives_and_drops_the_others():
    source = _source(
        "Le comité de pilotage est coprésidé par le sous-préfet et la vice-présidente de l'agglomération."
    )
    question, short = (
        "Qui préside le comité de pilotage de la convention ?",
        "le sous-préfet et la vice-présidente",
    )
    assert (
        judge(source, question, short, "Il est coprésidé par le sous-préfet et la vice-présidente.", True)
        == ""
    )
    assert judge(source, question, "le maire", "Le maire.", True) == "answer_not_in_sentence"
    assert (
        judge(source, question, short, "Le sous-préfet et la vice-présidente.", False)
        == "passage_not_retrieved"
    )
    assert judge(source, question, short, "inconnu", True) == "round_trip_failed"
    assert judge(source, source.sentence[:-1] + " ?", short, short, True) == "question_copies_sentence"
    amount = _source("L'État mobilise 420 000 euros par an au titre des crédits de la politique de la ville.")
    assert judge(
        amount,
        "Combien l'État mobilise-t-il par an ?",
        "420 000 euros",
        "L'État mobilise 400 000 euros.",
        True,
    ) == ("round_trip_numbers")


def test_each_kept_question_has_unanswerable_variants_of_every_kind():
    item = {
        "question": "Quel délai le décret n° 2006-1220 du 4 octobre 2006 fixe-t-il pour les permis délivrés en 2007 ?",
        "title": "Décret n° 2006-1220 du 4 octobre 2006 relatif aux permis délivrés à titre précaire",
        "document": "decret.md",
    }
    assert text_name(item["title"]) == "le décret n° 2006-1220 du 4 octobre 2006"
    made = {v["variant"]: v for v in variants(item, "le corpus ne dit rien de plus", random.Random(1))}
    assert set(made) >= {
        "held_out_document",
        "text_not_indexed",
        "false_premise",
        "after_corpus",
        "value_swap",
    }
    assert made["held_out_document"]["exclude"] == "decret.md"
    assert "2006-1220" not in made["text_not_indexed"]["question"]
    assert made["false_premise"]["question"].startswith("Depuis l'abrogation du décret n° 2006-1220")
    assert (
        "ce texte" in made["after_corpus"]["question"] and "version de 20" in made["after_corpus"]["question"]
    )
    assert "2047" in made["value_swap"]["question"] and "4 octobre 2006" in made["value_swap"]["question"]
    # a premise the corpus itself states is not made false
    abrogated = "le décret n° 2006-1220 du 4 octobre 2006 est abrogé."
    assert "false_premise" not in {v["variant"] for v in variants(item, abrogated, random.Random(1))}
    # another text's abrogation, far from this one's number, leaves the premise false
    other = "le décret n° 2006-1220 fixe un délai. " + "x " * 400 + "le décret n° 99-12 est abrogé."
    assert "false_premise" in {v["variant"] for v in variants(item, other, random.Random(1))}


def test_an_evaluation_corpus_is_refused(tmp_path):
    import scripts.generate_training as generator
    from core.settings import SHARED_DIR

    with pytest.raises(SystemExit, match="corpus d'évaluation"):
        generator._refuse_evaluation(SHARED_DIR / "seeds")
    generator._refuse_evaluation(tmp_path)  # any other folder is fine


@pytest.mark.parametrize(
    ("answer", "sentence", "needle"),
    [
        (
            "Le 30 juin 2027.",
            "Le rapport est présenté au comité au plus tard le 30 juin 2027.",
            "le 30 juin 2027",
        ),
        ("420 000 euros", "L'État mobilise 420 000 euros par an au titre des crédits.", "420 000 euros"),
        (
            "Par le sous-préfet.",
            "Le comité est coprésidé par le sous-préfet et la vice-présidente.",
            "par le sous-préfet",
        ),
        ("Oui.", "La convention peut être révisée par avenant.", ""),  # nothing of the sentence: left out
    ],
)
def test_a_generated_item_is_scored_on_what_its_answer_repeats_of_its_sentence(answer, sentence, needle):
    from evals.training.as_gold import must_contain

    assert must_contain(answer, sentence) == needle


def test_a_follow_up_is_paired_within_its_document_and_kept_only_when_shorter_and_found():
    from evals.training.followups import elide, judge, pairs

    items = [
        {"key": "a", "document": "convention.md", "question": "Qui préside le comité de pilotage ?"},
        {"key": "b", "document": "convention.md", "question": "Quand se réunit le comité de pilotage ?"},
        {"key": "c", "document": "arrete.md", "question": "Quand l'arrêté entre-t-il en vigueur ?"},  # alone
    ]
    assert sorted((p["key"], i["key"]) for p, i in pairs(items, 7)) == [("a", "b"), ("b", "a")]
    assert pairs(items, 7) == pairs(items, 7)  # seeded
    assert (
        elide(
            "Quel est le montant de l'aide au permis de conduire ?",
            "Quelle est la durée de l'aide au permis de conduire ?",
        )
        == "Et quelle est la durée ?"
    )
    assert elide("Quand le comité se réunit-il ?", "Qui signe la convention ?") == ""  # nothing shared
    assert (  # a compound preposition goes with the tail it introduces
        elide(
            "Qui peut saisir le médiateur au sujet du permis de conduire ?",
            "Quel est le délai de réponse du médiateur dans le cadre du permis de conduire ?",
        )
        == "Et quel est le délai de réponse du médiateur ?"
    )
    asked = "Qui préside le comité de pilotage du quartier des Tilleuls ?"
    assert judge(asked, "Et qui le préside ?", retrieved=True) == ""
    assert judge(asked, asked, retrieved=True) == "not_shorter"
    assert judge(asked, "Et qui le préside ?", retrieved=False) == "passage_not_retrieved"


def test_the_questions_written_by_hand_hold_in_their_documents_and_splits():
    """Each expected string is in the answer and its document, each quote in its document, each
    item in its document's split; a wrong one is named."""
    from core.settings import SHARED_DIR
    from evals.training.written import problems, read_written

    texts = {
        p.name: p.read_text(encoding="utf-8")
        for folder in (SHARED_DIR / "train" / "corpus", TEXTS)
        for p in folder.glob("*.md")
    }
    items = read_written()
    by_item = {i["id"]: problems(i, texts) for i in items}
    assert {name: wrong for name, wrong in by_item.items() if wrong} == {}
    splits = Counter((i["split"], i["answerable"]) for i in items)
    assert min(splits.values()) >= 8, splits  # each split has answerable and unanswerable items
    assert any(isinstance(i["source_file"], list) for i in items)  # answers across texts
    assert any(i.get("history") for i in items)  # follow-ups

    item = next(i for i in items if i["answerable"])
    broken = dict(item, answer="Rien à voir.", split="train" if item["split"] != "train" else "test")
    found = problems(broken, texts)
    assert any("manque à la réponse" in p for p in found) and any(p.startswith("split") for p in found)

"""A question that asks several things gets, first, the best sentence for each of them, in its
order: on questions and a note written here."""

from __future__ import annotations

import pytest
from ingest_helpers import make_passage

from assistant.extractive import extractive_answer
from assistant.question import SUBJECT_MARK, question_parts
from core.settings import Settings
from index.bm25 import Vocabulary


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "De quand date le rapport d'activité, et combien de pages compte-t-il ?",
            ["De quand date le rapport d'activité", "combien de pages compte-t-il"],
        ),
        (
            "Où se réunit le conseil de quartier et qui le préside ?",
            ["Où se réunit le conseil de quartier", "qui le préside"],
        ),
        (
            "La subvention est-elle versée en une fois ? À quelles conditions ?",
            ["La subvention est-elle versée en une fois", "À quelles conditions"],
        ),
        (
            "Quelle est la durée du mandat, et un renouvellement est-il possible ?",
            ["Quelle est la durée du mandat", "un renouvellement est-il possible"],
        ),
        ("Qui signe la convention et à quelle date ?", ["Qui signe la convention", "à quelle date"]),
    ],
)
def test_a_question_asking_several_things_is_cut_into_its_parts(question, parts):
    assert question_parts(question) == parts


@pytest.mark.parametrize(
    "question",
    [
        "Quels sont les droits et devoirs des membres du conseil ?",  # « et » between two nouns
        "Qui a conçu et animé la formation des animateurs ?",  # between two verbs of one clause
        "Quel est le rôle du maire et du préfet dans le comité ?",
        "Quand ?",
    ],
)
def test_a_question_asking_one_thing_stays_whole(question):
    assert question_parts(question) == [question]


def test_a_follow_up_asks_its_own_words_then_the_question_it_follows():
    rewritten = f"au centre social ?{SUBJECT_MARK}Quels ateliers sont proposés aux parents"
    assert question_parts(rewritten) == ["au centre social ?", "Quels ateliers sont proposés aux parents"]


NOTE = """La fête du quartier des Tilleuls

La fête du quartier des Tilleuls a lieu le samedi 14 juin 2025 sur la place du marché.
La fête du quartier des Tilleuls a été créée en mai 2010 par le comité des fêtes du quartier.
La fête du quartier des Tilleuls a réuni 800 habitants du quartier le 15 juin 2024.
Le comité des fêtes du quartier des Tilleuls a été renouvelé en mars 2023.
Les bénévoles se retrouvent chaque mardi soir à la maison de quartier.
"""


def test_each_part_of_the_question_is_answered_first_in_its_order():
    passages = [
        make_passage(NOTE, node_id="fete", source="fete.md", title="La fête du quartier des Tilleuls")
    ]
    vocab = Vocabulary.from_texts([NOTE, "Le gymnase et la mairie du quartier.", "Les familles du quartier."])
    text = extractive_answer(
        "Quand a lieu la fête du quartier des Tilleuls, et où se retrouvent les bénévoles ?",
        passages,
        vocab,
        Settings(),
    )
    # without the parts, the three other dated sentences on the fête came before the second answer
    first, second = (line.strip() for line in text.split("[1]")[:2])
    assert "14 juin 2025" in first and "maison de quartier" in second, text

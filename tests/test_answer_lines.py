"""The shape of an extractive answer's lines, on passages written here: a list item is never shown
without the line that introduces its list, and the items chosen from one list make one line."""

from __future__ import annotations

from ingest_helpers import make_passage

from assistant.extractive import extractive_answer
from core.settings import Settings
from index.bm25 import Vocabulary

NOTE = """Organisation du forum des associations

Le forum des associations se tient chaque année au gymnase municipal.

Exposants obligatoires :
- la maison de quartier du Parc ;
- le centre social des Érables ;
- la mission locale.

Exposants invités à tenir un stand :
- le club de boxe ;
- la ludothèque ;
- la radio associative.

Le programme détaillé est envoyé aux habitants un mois avant le forum.
"""
OTHER = """Bilan du forum

Le forum a réuni plus de trois cents visiteurs l'an dernier, selon les organisateurs.
"""


def passage(text: str, source: str):
    return make_passage(text, node_id=source, source=source, title=text.splitlines()[0], date="2024-05-02")


def answer(question: str) -> str:
    passages = [passage(NOTE, "forum.md"), passage(OTHER, "bilan.md")]
    vocab = Vocabulary.from_texts([NOTE, OTHER, "Le quartier du Parc et ses habitants."])
    return extractive_answer(question, passages, vocab, Settings())


def test_list_items_keep_their_intro_and_share_one_line():
    text = answer("Quels exposants tiennent un stand au forum des associations ?")
    lines = [line for line in text.splitlines() if "ludothèque" in line or "centre social" in line]
    assert lines, text
    for line in lines:  # each item under its own list's intro, never alone
        assert "Exposants obligatoires :" in line or "Exposants invités à tenir un stand :" in line, text
    invited = next(line for line in text.replace("\n", " ").split("[1]") if "ludothèque" in line)
    # the items of one list, in reading order, on the line of their intro
    assert invited.index("club de boxe") < invited.index("ludothèque") < invited.index("radio associative")
    assert invited.count("Exposants invités à tenir un stand") == 1
    assert "- la ludothèque" not in text and "; ." not in text


def test_a_plain_sentence_is_left_as_it_is():
    text = answer("Quand le programme du forum est-il envoyé aux habitants ?")
    assert text.startswith("Le programme détaillé est envoyé aux habitants un mois avant le forum. [1]"), text


AGENDA = """Programme des rencontres du réseau

La première rencontre du réseau se tient le 4 mars 2025, de 9 h 30 à 16 h 30.

La première rencontre du réseau se tient à Narbonne, dans la salle des fêtes du quartier Saint-Jean.
"""


def test_the_kind_of_value_asked_decides_which_sentence_comes_first():
    """Two sentences that share the question's words: a place question gets the place first, a
    « quand » question the date (the question's kind, not its words, decides)."""
    passages = [passage(AGENDA, "rencontres.md"), passage(OTHER, "bilan.md")]
    vocab = Vocabulary.from_texts([AGENDA, OTHER, NOTE])
    for question, first in (
        ("Dans quelle commune se tient la première rencontre du réseau ?", "Narbonne"),
        ("À quel endroit se tient la première rencontre du réseau ?", "Narbonne"),
        ("Où se tient la première rencontre du réseau ?", "Narbonne"),
        ("Quand se tient la première rencontre du réseau ?", "4 mars 2025"),
        ("À quelle date se tient la première rencontre du réseau ?", "4 mars 2025"),
    ):
        text = extractive_answer(question, passages, vocab, Settings())
        assert first in text.split("[1]")[0], (question, text)


def test_the_sources_panel_highlights_each_item_of_a_joined_line():
    from assistant.verify import supporting_spans

    text = answer("Quels exposants tiennent un stand au forum des associations ?")
    line = next(line for line in text.splitlines() if "ludothèque" in line)
    marked = [NOTE[s:e] for s, e in supporting_spans(NOTE, [line])]
    for item in ("le club de boxe", "la ludothèque", "la radio associative", "Exposants invités"):
        assert any(item in m for m in marked), (item, marked)
    assert not any("maison de quartier" in m for m in marked), marked  # the other list's items are not


OVERLAP = """Gouvernance du forum

Le comité d'organisation du forum réunit la maire adjointe, deux habitants tirés au sort
et le directeur de la maison de quartier.
"""
COPY = """Forum des associations : version révisée

Le comité d'organisation du forum réunit la maire adjointe, deux habitants tirés au sort
et la directrice de la maison de quartier.
"""
TITLED = """Arrêté du 4 mars 2024 portant organisation du forum des associations

Source : registre municipal | Licence : Licence Ouverte

Le forum des associations est organisé par le service de la vie associative.
"""


def test_a_sentence_found_twice_is_said_once():
    passages = [passage(OVERLAP, "gouvernance.md"), passage(COPY, "revision.md")]
    vocab = Vocabulary.from_texts([OVERLAP, COPY, NOTE])
    text = extractive_answer("Qui compose le comité d'organisation du forum ?", passages, vocab, Settings())
    assert text.count("comité d'organisation du forum réunit") == 1, text


def test_a_title_or_source_line_is_never_an_answer_sentence():
    passages = [passage(TITLED, "arrete.md")]
    vocab = Vocabulary.from_texts([TITLED, NOTE])
    text = extractive_answer("Qui organise le forum des associations ?", passages, vocab, Settings())
    assert text.startswith("Le forum des associations est organisé par le service"), text
    assert "Arrêté du 4 mars" not in text and "Licence" not in text, text


HEADED = """Le forum en pratique

Le forum se prépare avec les associations du quartier pendant tout le printemps.

## À qui s'adresse le forum ?

- aux associations sportives et culturelles du quartier ;

- aux habitants qui veulent proposer une activité ;

- aux agents des services municipaux de la jeunesse.
"""


def test_a_list_item_under_a_heading_is_led_by_that_heading():
    passages = [passage(HEADED, "pratique.md")]
    vocab = Vocabulary.from_texts([HEADED, NOTE, OTHER])
    text = extractive_answer("Le forum s'adresse-t-il aux habitants ?", passages, vocab, Settings())
    line = next(line for line in text.splitlines() if "aux habitants qui veulent" in line)
    assert "À qui s'adresse le forum : " in line, text  # the heading leads its items, never alone
    assert "? :" not in line and "[1] aux" not in text, text


def test_a_list_item_shown_alone_reads_as_a_sentence():
    plain = HEADED.replace("## ", "")  # a label line, as slides write one above every line: no lead-in
    passages = [passage(plain, "pratique.md")]
    vocab = Vocabulary.from_texts([plain, NOTE, OTHER])
    text = extractive_answer("Le forum s'adresse-t-il aux habitants ?", passages, vocab, Settings())
    assert "Aux habitants qui veulent proposer une activité. [1]" in text, text


TABLE = """# Aide au poste

| Élément | Règle |
|---|---|
| Montant annuel | 23 140 € par poste à temps plein |
| Temps partiel | aide proratisée selon la durée du travail |
"""


def test_a_table_row_reads_as_its_label_then_its_value():
    passages = [passage(TABLE, "fiche.md")]
    vocab = Vocabulary.from_texts([TABLE, NOTE, OTHER])
    text = extractive_answer("Quel est le montant annuel de l'aide au poste ?", passages, vocab, Settings())
    assert text.startswith("Montant annuel : 23 140 € par poste à temps plein. [1]"), text
    assert "|" not in text


LONG = """Fonctionnement de la ludothèque

La ludothèque ouvre le mercredi et le samedi, de dix heures à dix-huit heures.
Les jeux sont prêtés pour trois semaines aux familles inscrites à la maison de quartier.
Les familles inscrites peuvent emprunter quatre jeux à la fois, et six pendant les vacances scolaires.
Une soirée jeux réunit les familles inscrites et les animateurs le premier vendredi de chaque mois.
Les animateurs de la ludothèque accueillent aussi les classes des écoles du quartier le mardi matin.
Le règlement de la ludothèque est affiché à l'entrée et remis aux familles lors de l'inscription.
"""


def test_a_short_answer_stays_short_and_a_list_whole():
    short = Settings(answer_max_sentences=3, answer_max_chars=450)  # the short shape: a setting, not default
    vocab = Vocabulary.from_texts([LONG, NOTE, OTHER])
    question = "Combien de jeux les familles inscrites à la ludothèque peuvent-elles emprunter ?"
    text = extractive_answer(question, [passage(LONG, "ludotheque.md")], vocab, short)
    assert text.startswith("Les familles inscrites peuvent emprunter quatre jeux à la fois"), text
    assert text.count("[1]") <= 3 and len(text) <= 450 + 60, text  # the first sentence is always kept whole
    forum = [passage(NOTE, "forum.md"), passage(OTHER, "bilan.md")]
    listed = extractive_answer(
        "Quels exposants tiennent un stand au forum des associations ?", forum, vocab, short
    )
    for item in (
        "le club de boxe",
        "la ludothèque",
        "la radio associative",
    ):  # the items of a list count as one
        assert item in listed, listed

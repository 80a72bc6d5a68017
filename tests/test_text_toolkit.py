"""The French text toolkit of core/text on sentences written for the purpose: dates, markers,
numbers, sentences, words. Every layer reads text through these functions."""

from __future__ import annotations

from datetime import date

from core.text import markers
from core.text.dates import DATE, find_dates, french_date, full_dates, parse_date
from core.text.numbers import NUMBER, numbers_in, states_number
from core.text.sentences import is_fragment, sentence_spans
from core.text.tokens import fold, tokenize
from core.text.unicode import clean_unicode


def test_french_dates_are_found_and_ordered():
    found = find_dates(
        "Le 1er avril 2023, puis fin octobre 2023, la circulaire du 31 08 2023, "
        "mi-mars 2024, décembre 2023, le 31/03/2024 et début 2025 ; 2 3 2024 n'est pas "
        "une date."
    )
    labels = [f.label for f in sorted(found, key=lambda f: f.key)]
    assert labels == [
        "1er avril 2023",
        "31 août 2023",
        "fin octobre 2023",
        "décembre 2023",
        "mi-mars 2024",
        "31 mars 2024",
        "début 2025",
    ]


def test_a_documents_date_is_its_first_full_date_else_its_first_month():
    assert parse_date("Réunion du comité, mars 2024. Signé le 12 avril 2024.") == date(2024, 4, 12)
    assert parse_date("Note d'étape — fin juin 2023") == date(2023, 6, 1)
    assert parse_date("Compte rendu du 31/02/2024, puis du 3 aout 2024") == date(2024, 8, 3)  # no 31 February
    assert parse_date("Un texte de 1985 sans autre date") is None
    assert french_date("2024-03-01") == "1er mars 2024" and french_date("sans date") == "sans date"


def test_a_sentence_mentions_a_date_loosely():
    assert DATE.search("La séance du 12 mars se tiendra en mairie.")
    assert DATE.search("Échéance : 31/03/24.")
    assert not DATE.search("Le programme 147 finance les actions.")
    assert full_dates("Signés en 2024, au plus tard le 31 mars 2024 ou en septembre 2024") == [
        "31 mars 2024",
        "septembre 2024",
    ]


def test_markers_parse_strip_renumber_and_neutralise():
    answer = "Le préfet signe [2]. Les communes aussi [1, 3]."
    assert markers.cited(answer) == [2, 1, 3]
    assert markers.strip(answer) == "Le préfet signe . Les communes aussi ."
    assert markers.renumber(answer, {2: 1, 1: 2}) == "Le préfet signe [1]. Les communes aussi [2][3]."
    assert markers.neutralise("Voir [4] et [5; 6]") == "Voir (4) et (5; 6)"
    assert (
        markers.move_before_stop("Le contrat est signé en 2024 [1].") == "Le contrat est signé en 2024. [1]"
    )


def test_numbers_in_digits_or_words():
    assert numbers_in("1 362 quartiers et 5 départements") == {"1362", "5"}
    assert states_number("1362", "une liste de 1 362 quartiers")
    assert NUMBER.fullmatch("douze") and NUMBER.fullmatch("1 362") and not NUMBER.fullmatch("plusieurs")


def test_sentences_keep_abbreviations_wrapped_lines_and_fragments():
    text = (
        "Voir l'art. 6 de la loi. Le contrat est\nsigné par le préfet.\nVilles et Territoires, 2016. 112 p."
    )
    sentences = [text[s:e] for s, e in sentence_spans(text)]
    assert sentences == [
        "Voir l'art. 6 de la loi.",
        "Le contrat est\nsigné par le préfet.",
        "Villes et Territoires, 2016. 112 p.",
    ]
    assert is_fragment("112 p.") and not is_fragment("Le préfet signe le contrat.")


def test_words_meet_whatever_their_accents_and_endings():
    assert tokenize("Les contrats élaborés") == tokenize("le contrat elabore")
    assert fold("Élaboration, équipe") == "Elaboration, equipe"
    assert clean_unicode("contrat\x00 de\x07 ville\n", " ") == "contrat  de  ville\n"

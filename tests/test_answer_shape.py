"""The shape of an answer (evals/quality/shape.py) and the furniture lines (core/text/furniture.py),
on sentences written for these tests."""

from __future__ import annotations

import pytest

from core.text.furniture import is_furniture, is_title_line
from evals.quality.shape import claims, is_cut, is_duplicated, opens_on_title, shape


@pytest.mark.parametrize(
    "line",
    [
        "Décret n° 2019-512 du 3 juin 2019 relatif aux conseils de quartier",
        "LOI n° 2011-87 du 14 mars 2011 portant diverses mesures",
        "Arrêté du 2 avril 2022 fixant la liste des communes",
        "Circulaire n° 6432/SG du 12 novembre 2023",
    ],
)
def test_a_title_line_is_told_from_a_sentence(line):
    assert is_title_line(line)
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "Le décret n° 2019-512 du 3 juin 2019 fixe la composition des conseils.",
        "Décret n° 2019-512 du 3 juin 2019 : il est abrogé à compter du 1er janvier 2025.",
        "Les communes signent le contrat avant le 30 juin.",
        "Article 3 : la convention est conclue pour six ans.",
    ],
)
def test_a_sentence_about_a_text_is_not_furniture(line):
    assert not is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "Source : Légifrance | Licence : Licence Ouverte 2.0",
        "NOR : TERV2301234C",
        "JORF n°0123 du 28 mai 2021",
        "Version en vigueur au 4 février 2025",
        "Page 3 / 12",
        "- 7 -",
        "12/40",
        "Accueil > Textes > Décrets",
    ],
)
def test_source_licence_numbers_and_pages_are_furniture(line):
    assert is_furniture(line)


def test_a_marker_between_a_legal_abbreviation_and_its_number_is_a_cut():
    assert is_cut("La commission se réunit selon l'article L. [2] 4321-7 du code. [2]")
    assert is_cut("Comme le prévoit le n° [1] 2020-45, le comité décide. [1]")
    assert not is_cut("La commission se réunit selon l'article L. 4321-7 du code. [2]")


def test_a_marker_followed_by_lower_case_is_a_cut():
    assert is_cut("Le comité arrête la liste [1] des communes retenues. [1]")
    assert is_cut("des communes retenues sont publiées. [1]")
    assert not is_cut("Le comité arrête la liste. [1] Des communes sont retenues. [2]")


def test_claims_are_the_cited_sentences_without_their_markers():
    answer = "Le contrat est signé en juin. [1] Il dure six ans. [2]\n- Une annexe financière. [2]"
    assert claims(answer) == ["Le contrat est signé en juin.", "Il dure six ans.", "- Une annexe financière."]


def test_the_same_sentence_twice_or_a_near_copy_is_a_duplicate():
    same = "Le préfet préside le comité de suivi. [1] Le préfet préside le comité de suivi. [2]"
    near = (
        "Le préfet préside le comité de suivi du contrat. [1] "
        "Le préfet préside aussi le comité de suivi du contrat. [2]"
    )
    inside = "Le préfet préside le comité. [1] Selon le texte, le préfet préside le comité de suivi. [2]"
    assert is_duplicated(same) and is_duplicated(near) and is_duplicated(inside)
    assert not is_duplicated("Le préfet préside le comité. [1] Le maire en assure le secrétariat. [2]")


def test_an_answer_opening_on_a_title_line_is_counted():
    assert opens_on_title("Décret n° 2019-512 du 3 juin 2019 relatif aux conseils [1] Il fixe … [1]")
    assert not opens_on_title("Le décret n° 2019-512 fixe la composition des conseils. [1]")
    assert shape("Le contrat dure six ans. [1]") == {"cut": False, "dup": False, "title": False}

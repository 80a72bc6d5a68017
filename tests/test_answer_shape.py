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


def test_near_copies_are_told_from_sentences_that_share_words():
    from core.text.near_copy import is_near_copy, words

    long_ = words("Le contrat est signé par le préfet, le maire et le président de l'intercommunalité.")
    reworded = words("Le contrat est signé par le préfet, la maire et le président de l'intercommunalité.")
    inside = words("Le contrat est signé par le préfet.")
    other = words("Le contrat est évalué chaque année par le comité de pilotage du quartier.")
    assert is_near_copy(long_, reworded)  # one word changed in a long clause
    assert is_near_copy(long_, inside)  # all of one in the other
    assert not is_near_copy(long_, other)  # shares words, says something else
    assert not is_near_copy(words("Le préfet signe."), long_)  # too short to be a copy


def test_a_cited_sentence_is_one_claim_across_a_legal_reference():
    from assistant.verify import split_claims

    lines = split_claims(
        "Les bailleurs visés à l'article L. 411-2 du code sont consultés. [1] M. Durand préside. [2]"
    )
    assert lines == [
        ["Les bailleurs visés à l'article L. 411-2 du code sont consultés. [1]", "M. Durand préside. [2]"]
    ]


def test_a_source_line_above_the_title_does_not_name_the_document(tmp_path):
    from ingest.loaders import load
    from ingest.metadata import infer_title

    path = tmp_path / "arrete.md"
    path.write_text(
        "Source : registre des actes | Licence : Licence Ouverte\n\nNOR : ABCD2400001A\n\n"
        "# Arrêté du 4 mars 2024 portant organisation du forum\n\nLe forum est annuel.\n",
        encoding="utf-8",
    )
    assert infer_title(load(path)) == "Arrêté du 4 mars 2024 portant organisation du forum"


def test_two_versions_of_a_clause_with_other_values_are_not_copies():
    from core.text.near_copy import is_near_copy, words

    old = words("Les membres du conseil local sont désignés pour une durée de deux ans renouvelable.")
    new = words("Les membres du conseil local sont désignés pour une durée de quatre ans renouvelable.")
    assert not is_near_copy(old, new)
    assert is_near_copy(
        new, words("Les membres du conseil local sont désignés pour une durée de 4 ans renouvelable.")
    )

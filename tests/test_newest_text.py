"""Older and newer texts that disagree, and provenance headers, over a small corpus written here:
two decrees on one committee (the second replaces the first's term of office) and a guide."""

from __future__ import annotations

import pytest

RULE = "-" * 60
OLD = (
    "Source: depot/textes (Décret n° 2016-31 du 12 janvier 2016 relatif au comité régional des mobilités) "
    f"| Licence: Licence Ouverte\n{RULE}\n# Article 1\n\n"
    "Le comité régional des mobilités rend un avis sur le schéma régional des transports.\n\n"
    "# Article 2\n\nLe président du comité régional des mobilités est nommé, parmi ses membres, pour une "
    "durée de trois ans par arrêté du ministre chargé des transports.\n"
)
NEW = (
    "Source: depot/textes (Décret n° 2021-77 du 3 février 2021 relatif au comité régional des mobilités) "
    f"| Licence: Licence Ouverte\n{RULE}\n# Article 1\n\n"
    "Le comité régional des mobilités rend un avis sur le schéma régional des transports et sur les "
    "tarifs sociaux.\n\n# Article 2\n\nLe président du comité régional des mobilités est nommé, parmi ses "
    "membres, pour une durée de six ans par arrêté du ministre chargé des transports.\n"
)
GUIDE = (
    "# Guide des mobilités\n\nLe comité régional des mobilités réunit les autorités organisatrices. "
    "Ses réunions sont publiques.\n"
)


def assistant_over(name: str, texts: dict[str, str], tmp_path_factory, settings_factory):
    """An extractive assistant over the files ``texts`` (file name -> text), all of them indexed."""
    from assistant.pipeline import Assistant

    corpus = tmp_path_factory.mktemp(name)
    for file, text in texts.items():
        (corpus / file).write_text(text, encoding="utf-8")
    assistant = Assistant(settings_factory(name, llm="extractive"))
    assert assistant.ingest([corpus]).usable == len(texts)
    return assistant


@pytest.fixture(scope="module")
def mobility(tmp_path_factory, settings_factory):
    texts = {"decret_2016.md": OLD, "decret_2021.txt": NEW, "guide.md": GUIDE}
    return assistant_over("mobilites", texts, tmp_path_factory, settings_factory)


def test_the_newer_text_leads_and_is_named(mobility):
    answer = mobility.ask(
        "Pour combien de temps le président du comité régional des mobilités est-il nommé ?"
    )
    assert not answer.abstained
    first = answer.answer.split("[")[0]
    assert first.startswith("Selon le texte le plus récent, le décret n° 2021-77 du 3 février 2021:")
    assert "six ans" in first
    assert (
        answer.answer.index("six ans") < answer.answer.find("trois ans") or "trois ans" not in answer.answer
    )
    assert any(c.passage.source == "decret_2021.txt" for c in answer.citations)


def test_texts_that_do_not_disagree_are_not_ranked_by_date(mobility):
    answer = mobility.ask("Qui réunit le comité régional des mobilités ?")
    assert "plus récent" not in answer.answer


def test_a_provenance_header_is_metadata_never_an_answer(mobility):
    docs = {d["source"]: d for d in mobility.store.documents()}
    assert docs["decret_2021.txt"]["title"].startswith("Décret n° 2021-77 du 3 février 2021")
    assert docs["decret_2021.txt"]["date"] == "2021-02-03"
    answer = mobility.ask("Sur quoi le comité régional des mobilités rend-il un avis ?")
    assert "Source" not in answer.answer and "Licence" not in answer.answer
    assert all("Licence" not in c.passage.text for c in answer.citations)


LAW = (
    "# Loi n° 2018-40 du 2 février 2018 relative à l'Agence régionale de l'eau\n\n"
    "## Article 1\n\nL'Agence régionale de l'eau est administrée par un conseil d'administration composé "
    "de représentants de l'État et des collectivités territoriales.\n"
)
AGENCY = (
    "# Décret n° 2019-12 du 8 janvier 2019 relatif à l'Agence régionale de l'eau\n\n"
    "## Article 1\n\nL'Agence régionale de l'eau est administrée par un conseil de vingt-quatre membres "
    "représentant l'État et les collectivités territoriales.\n\n"
    "## Article 2\n\nLes membres du conseil d'administration de l'Agence régionale de l'eau sont nommés "
    "pour une durée de cinq ans.\n"
)
FORESTS = (
    "# Décret n° 2023-90 du 6 février 2023 relatif à l'Observatoire régional des forêts\n\n"
    "## Article 1\n\nLes membres du conseil d'orientation de l'Observatoire régional des forêts sont "
    "nommés pour une durée de trois ans.\n"
)


@pytest.fixture(scope="module")
def water(tmp_path_factory, settings_factory):
    texts = {"loi.md": LAW, "decret_eau.md": AGENCY, "decret_forets.md": FORESTS}
    return assistant_over("eau", texts, tmp_path_factory, settings_factory)


def test_a_newer_text_about_another_body_does_not_replace_the_one_asked_about(water):
    answer = water.ask(
        "Pour combien de temps sont nommés les membres du conseil d'administration de l'Agence régionale de l'eau ?"
    )
    assert not answer.abstained and "plus récent" not in answer.answer
    text = answer.answer
    assert "cinq ans" in text and (
        "trois ans" not in text or text.index("cinq ans") < text.index("trois ans")
    )


def test_a_decree_details_the_law_it_applies_without_replacing_it(water):
    answer = water.ask(
        "Combien de membres compte le conseil d'administration de l'Agence régionale de l'eau ?"
    )
    assert not answer.abstained and "vingt-quatre" in answer.answer
    assert "Auparavant" not in answer.answer and "plus récent" not in answer.answer

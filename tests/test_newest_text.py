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


@pytest.fixture(scope="module")
def mobility(tmp_path_factory, settings_factory):
    from assistant.pipeline import Assistant

    corpus = tmp_path_factory.mktemp("mobilites")
    (corpus / "decret_2016.md").write_text(OLD, encoding="utf-8")
    (corpus / "decret_2021.txt").write_text(NEW, encoding="utf-8")
    (corpus / "guide.md").write_text(GUIDE, encoding="utf-8")
    assistant = Assistant(settings_factory("mobilites", llm="extractive"))
    assert assistant.ingest([corpus]).usable == 3
    return assistant


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

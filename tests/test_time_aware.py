"""Time-aware answers over texts written here (tests/time_corpus.py): a decree and the decree that
modifies it, a 2015-2020 contract and a 2024-2030 one. Identities and relations read from the
texts, the library's links, the newer text leading and named, « actuellement », an answer only
from an older generation, a chronology, and what the model's prompt is told."""

from __future__ import annotations

import re

import pytest
from time_corpus import write_time_corpus

from core.text.legal import own_id, stated_relations, text_ids


def test_a_text_names_itself_in_its_title_or_first_line():
    ident = own_id("Décret n° 2011-628 du 1er juin 2011 relatif à l'observatoire")
    assert (ident.form, ident.number, ident.day) == ("décret", "2011-628", "1er juin 2011")
    assert own_id("Note", "Circulaire du 31 août 2023 relative aux contrats\nTexte").key == (
        "circulaire",
        "31 août 2023",
    )
    # a text cited by a synthesis is not the synthesis
    assert own_id("Synthèse de la circulaire du 31 août 2023") is None
    assert [
        t.number for t in text_ids("la loi n° 2014-173 et la circulaire n° 6314/SG du 4 janvier 2024")
    ] == [
        "2014-173",
        "6314/SG",
    ]


def test_relations_are_read_from_the_texts_own_words():
    text = (
        "Arrêté du 2 mai 2021 modifiant l'arrêté du 8 juin 2018 et pris pour l'application du décret "
        "n° 2017-90 du 26 janvier 2017. Article 4. L'arrêté n° 2015-12 du 3 mars 2015 portant "
        "organisation du service est abrogé."
    )
    found = [(rel, t.key) for rel, t in stated_relations(text)]
    assert ("modifie", ("arrêté", "8 juin 2018")) in found
    assert ("applique", ("décret", "2017-90")) in found
    assert ("abroge", ("arrêté", "2015-12")) in found
    assert stated_relations("Le décret du 4 février 2019 fixe la composition du conseil.") == []


@pytest.fixture(scope="module")
def valmont(tmp_path_factory, settings_factory, seeds_assistant):
    from assistant.pipeline import Assistant

    corpus = write_time_corpus(tmp_path_factory.mktemp("valmont"))
    assistant = Assistant(
        settings_factory("valmont", llm="extractive"), embed_model=seeds_assistant.embed_model
    )
    assert assistant.ingest([corpus]).usable == 4
    return assistant


def test_the_library_shows_identities_and_links_both_ways(valmont):
    from ui import library

    rows = {
        r[library.FILE_COLUMN]: dict(zip(library.COLUMNS, r, strict=True))
        for r in library.documents_rows(valmont)
    }
    old, new = rows["decret_2019_conseil.md"], rows["decret_2022_conseil.md"]
    assert (old["Nature"], old["Numéro"], old["Date"]) == ("Décret", "2019-101", "4 février 2019")
    assert "modifié par Décret n° 2022-55 du 10 mars 2022" in old["Liens avec d'autres textes"]
    assert "modifie Décret n° 2019-101 du 4 février 2019" in new["Liens avec d'autres textes"]
    assert rows["contrat_valmont_2015.txt"]["Liens avec d'autres textes"] == ""


def test_the_modifying_decree_leads_and_the_modified_one_is_flagged(valmont):
    answer = valmont.ask(
        "Pour quelle durée les membres du conseil local des habitants de Valmont sont-ils désignés ?"
    )
    first = answer.answer.split("[")[0]
    assert first.startswith("Selon le texte le plus récent, le décret n° 2022-55 du 10 mars 2022:")
    assert "quatre ans" in first
    assert answer.answer.index("quatre ans") < answer.answer.index("deux ans")
    older = next(c for c in answer.citations if c.passage.source == "decret_2019_conseil.md")
    assert older.passage.superseded.startswith("Texte modifié par Décret n° 2022-55")
    assert older.to_dict()["superseded"] and older.to_dict()["number"] == "2019-101"


def test_a_question_about_now_gets_the_newest_text_first_and_named(valmont):
    answer = valmont.ask(
        "Combien de fois par an le comité de pilotage du contrat de ville de Valmont se réunit-il actuellement ?"
    )
    first = answer.answer.split("[")[0]
    assert first.startswith("Selon le texte le plus récent, « Contrat de ville 2024-2030")
    assert "trois fois" in first
    plain = valmont.ask("Qui préside le comité de pilotage du contrat de ville de Valmont ?")
    assert "plus récent" not in plain.answer  # not asked about now, texts that do not disagree


def test_an_answer_from_an_older_generation_only_says_so(valmont):
    from assistant.retrieve import Filters

    question = "Qui préside actuellement le comité de pilotage du contrat de ville de Valmont ?"
    old_only = valmont.ask(question, filters=Filters(year_max=2020))
    assert not old_only.abstained
    assert old_only.answer.startswith(
        "Attention : les passages trouvés datent de 2015, avant les contrats de ville 2024-2030"
    )
    assert old_only.sentences[0]["origin"] == "note"
    assert {c.passage.source for c in old_only.citations} == {"contrat_valmont_2015.txt"}
    assert not valmont.ask(question).answer.startswith("Attention")


def test_a_chronology_is_a_dated_list_oldest_first(valmont):
    answer = valmont.ask("Quelle est la chronologie du contrat de ville de Valmont ?")
    lines = answer.answer.splitlines()
    assert len(lines) >= 4 and all(re.search(r"\[\d+\]$", line) for line in lines)
    years = [int(re.search(r"\b(20\d\d)\b", line).group(1)) for line in lines]
    assert years == sorted(years) and years[0] == 2015 and years[-1] == 2025
    sources = {c.passage.source for c in answer.citations}
    assert {"contrat_valmont_2015.txt", "contrat_valmont_2024.txt"} <= sources
    # with another question joined to it, the usual answer serves both
    both = valmont.ask(
        "Depuis quand le conseil citoyen du quartier des Tilleuls est-il installé, et qui préside le comité "
        "de pilotage du contrat de ville de Valmont ?"
    )
    assert not both.answer.startswith("- ") and "12 octobre 2016" in both.answer[:400]


def test_the_model_is_told_each_passage_date_identity_and_status(valmont):
    from assistant.prompting import passage_blocks

    passages = valmont.retrieve("durée de désignation des membres du conseil local des habitants de Valmont")
    blocks = passage_blocks(passages)
    assert 'date="4 février 2019"' in blocks and 'date="10 mars 2022"' in blocks
    assert re.search(
        r'<extrait n="\d" document="Décret n° 2019-101[^>]*statut="Texte modifié par Décret n° 2022-55',
        blocks,
    )


def test_with_the_local_model_the_named_newest_statement_leads_once_as_a_quotation(valmont):
    answer = valmont.ask(
        "Pour quelle durée les membres du conseil local des habitants de Valmont sont-ils désignés ?",
        llm="local",
    )
    assert answer.fallback is None and not answer.abstained
    lead = answer.sentences[0]
    assert lead["origin"] == "quotation"
    assert lead["text"].startswith("Selon le texte le plus récent, le décret n° 2022-55 du 10 mars 2022:")
    statement = "sont désignés pour une durée de quatre ans"
    assert sum(statement in line["text"] for line in answer.sentences) == 1  # the model's repeat goes


def test_a_long_title_is_cut_at_a_word_and_the_text_keeps_its_name_in_the_prompt():
    from assistant.prompting import TITLE_CHARS, passage_blocks
    from core.types import Passage

    title = (
        "Compte rendu de la réunion du comité technique intercommunal consacrée au suivi des "
        "conventions d'abattement, Décret n° 2099-1 du 2 janvier 2099"
    )
    p = Passage("n1", "cr.md", title, "note", "2099-01-02", None, "", "Le comité se réunit.", 0, 20)
    p.name = "Décret n° 2099-1 du 2 janvier 2099"
    shown = re.search(r'document="([^"]*)"', passage_blocks([p])).group(1)
    assert len(shown) <= TITLE_CHARS and shown.endswith("…")
    assert title.startswith(shown[:-1]) and not shown[:-1].endswith((" ", ","))  # a whole word
    assert 'texte="Décret n° 2099-1 du 2 janvier 2099"' in passage_blocks([p])  # cut from the title, kept

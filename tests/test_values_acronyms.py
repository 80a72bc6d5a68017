"""The value toolkit (numbers in words, durations, counts), acronyms and provenance headers, on
sentences written for these tests."""

from __future__ import annotations

from pathlib import Path

from assistant.gate import missing_answer_type
from assistant.question import expand_acronyms
from core.settings import get_settings
from core.text.acronyms import Acronyms, acronyms_in, definitions, spelled_in
from core.text.legal import text_name
from core.text.numbers import with_digits
from core.text.values import asked_value, counted_words, holds_value
from index.bm25 import Vocabulary
from ingest.document import Document, Page
from ingest.header import lift_header


def test_number_words_read_as_digits():
    assert with_digits("un bureau de vingt-quatre membres") == "un bureau de 24 membres"
    assert with_digits("dans les onze mois") == "dans les 11 mois"
    assert with_digits("une fois") == "une fois"  # an article, not a count
    # an article before the number does not stop its conversion; numbers holding « un » still convert
    assert with_digits("examinée dans un délai de neuf mois") == "examinée dans un délai de 9 mois"
    assert with_digits("un an et neuf mois") == "un an et 9 mois"
    assert with_digits("vingt et un jours, trente-et-un membres") == "21 jours, 31 membres"
    assert with_digits("cent un logements pour un million d'euros") == "101 logements pour 1000000 d'euros"


def test_the_kind_of_value_asked_comes_from_the_interrogative_form():
    assert asked_value("Pour combien de temps le comité est-il élu ?")[0] == "duration"
    assert asked_value("Quelle est la durée du mandat du bureau ?")[0] == "duration"
    assert asked_value("Combien de sièges compte le bureau ?")[0] == "count"
    assert asked_value("Quel est le nombre de communes concernées ?")[0] == "count"
    assert asked_value("Quand le comité se réunit-il ?")[0] == "date"
    assert asked_value("Quel montant est alloué au fonds ?")[0] == "amount"
    assert asked_value("Qui préside le comité ?") is None


def test_durations_and_counts_in_words_or_digits():
    assert holds_value("duration", "Le bureau est élu pour une durée de quatre ans.")
    assert holds_value("duration", "Il statue dans les 15 jours.")
    assert not holds_value("duration", "Le bureau a été créé en 2016.")
    assert counted_words("Il comprend vingt-quatre membres, dont douze élus.") == ["membres", "élus"]
    assert not holds_value("count", "3. Les instances du comité")  # an enumeration
    assert not holds_value("count", "Réunion le 14 mars 2025.")  # a date


def _refuses(question: str, text: str) -> bool:
    vocab = Vocabulary.from_texts([text, "Le comité de suivi se réunit au printemps."])
    s = get_settings()
    return missing_answer_type(question, [text], vocab, s.focus_share, s.focus_share_other_word) is not None


def test_a_count_written_in_words_answers_a_count_question():
    bureau = "Le comité de suivi\nLe comité de suivi est composé de vingt-quatre membres nommés par arrêté."
    assert not _refuses("Combien de membres compte le comité de suivi ?", bureau)
    assert not _refuses(
        "Pour combien de temps sont nommés les membres ?", bureau.replace("par arrêté", "pour trois ans")
    )
    assert _refuses("Pour combien de temps sont nommés les membres ?", bureau)  # no duration at all


def test_acronyms_defined_in_the_text_either_way():
    text = (
        "Le fonds régional d'aide aux associations (FRAA) finance les projets. Le CLS (contrat local de "
        "santé) est signé. Voir l'article II (alinéa 3)."
    )
    found = definitions(text)
    assert found["FRAA"] == "fonds régional d'aide aux associations"
    assert found["CLS"] == "contrat local de santé"
    assert "II" not in found
    assert acronyms_in("Le CLS de l'article IV et le FRAA ?") == ["CLS", "FRAA"]


def test_an_acronym_spelled_by_a_phrase_of_the_corpus():
    corpus = ["Le programme régional pour l'emploi des jeunes est reconduit en 2026."]
    assert spelled_in("PREJ", corpus[0]) == "programme régional pour l'emploi des jeunes"
    acronyms = Acronyms(corpus)
    assert acronyms.long_form("PREJ") == "programme régional pour l'emploi des jeunes"
    assert acronyms.long_form("ZFU") == "zone franche urbaine"  # the shipped glossary
    assert acronyms.long_form("XQWZ") is None
    # an acronym whose letters are not its words' initials (the X of « expulsions ») comes from the glossary
    corpus = ["Une commission de coordination des actions de prévention des expulsions locatives est créée."]
    vocab = Vocabulary.from_texts(corpus)
    question, _ = expand_acronyms("Quelles sont les missions de la CCAPEX ?", Acronyms(corpus), vocab)
    assert "commission de coordination des actions de prévention des expulsions locatives" in question


def test_a_question_acronym_the_corpus_never_writes_is_read_in_full():
    corpus = ["Le programme régional pour l'emploi des jeunes est reconduit.", "Le CLS est signé."]
    vocab = Vocabulary.from_texts(corpus)
    question, used = expand_acronyms("Le PREJ et le CLS sont-ils reconduits ?", Acronyms(corpus), vocab)
    assert question == "Le programme régional pour l'emploi des jeunes et le CLS sont-ils reconduits ?"
    assert used == {"PREJ": "programme régional pour l'emploi des jeunes"}


def test_a_provenance_header_becomes_metadata_and_leaves_the_text():
    head = (
        "Source: depot/textes (Arrêté du 3 février 2019 relatif au comité de suivi (extrait : article 2)) "
        "- arrete/2019/a.md | Licence: Licence Ouverte\n" + "-" * 40 + "\n"
    )
    body = (
        "Article 2\nLe comité de suivi comprend douze membres.\n\nArticle 3\nIl se réunit deux fois par an."
    )
    text = head + body
    doc = Document(Path("a.pdf"), text, [Page(1, 0, len(head) + 20), Page(2, len(head) + 20, len(text))])
    doc = lift_header(doc)
    assert doc.text == body
    assert (
        doc.metadata["title"] == "Arrêté du 3 février 2019 relatif au comité de suivi (extrait : article 2)"
    )
    assert str(doc.metadata["date"]) == "2019-02-03"
    assert [(p.number, p.start, p.end) for p in doc.pages] == [(1, 0, 20), (2, 20, len(body))]
    assert doc.page_at(body.index("Il se réunit")) == 2


def test_a_rule_under_a_plain_title_is_not_a_header():
    text = "Compte rendu de la réunion\n" + "=" * 30 + "\nLe comité a validé le programme."
    doc = lift_header(Document(Path("b.md"), text, [Page(None, 0, len(text))]))
    assert doc.text == text and "provenance" not in doc.metadata


def test_the_name_of_a_legal_text():
    assert text_name("vu le Décret n° 2019-12 du 1er mars 2019 relatif aux comités ; vu") == (
        "Décret n° 2019-12 du 1er mars 2019 relatif aux comités"
    )


def test_a_question_naming_a_text_the_passages_do_not_name_is_refused():
    from assistant.gate import unindexed_text

    texts = [
        "Titre\n\nLe décret n° 2019-12 du 1er mars 2019 fixe la liste. La circulaire du 31/08/2023 précise."
    ]
    assert unindexed_text("Que fixe le décret n° 2019-12 ?", texts) is None
    assert "2019-125" in unindexed_text("Que fixe le décret n° 2019-125 ?", texts)
    assert (
        unindexed_text("Que dit la circulaire du 31 août 2023 ?", texts) is None
    )  # another form of the date
    assert unindexed_text("Que dit la circulaire du 12 mai 2021 ?", texts)
    assert unindexed_text("Que dit la circulaire d'août 2023 ?", texts) is None  # a month names no text


def test_the_learned_ranker_weights_match_the_features_and_rank_deterministically():
    from assistant.ranker import FEATURES, load_ranker

    ranker = load_ranker()
    assert len(ranker.weights) == len(FEATURES)
    on_topic = (0.9, 0, 0.5, 0, 1, 0, 0, 0, 0, 1.0, 1, 1, 0.5, 0, 0, 1)
    off_topic = (0.1, 1, 0.0, 0, 0, 0, 0, 0, 0, 0.2, 0, 0, 0.5, 0, 1, 0)
    assert ranker.probability(on_topic, 1.5) > ranker.probability(off_topic, 0.2)
    assert ranker.probability(on_topic, 1.5) == load_ranker().probability(on_topic, 1.5)


def test_the_learned_ranker_is_fitted_on_generated_questions_never_a_gold_set():
    import json

    from assistant.ranker import WEIGHTS_FILE

    card = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    assert card["data"] == "evals/training/data"
    # the project's splits (generated, and written by hand over the training corpora), no gold set named
    assert {name.split()[0] for name in card["figures"]} == {"train", "validation", "test"}
    assert "gold" not in json.dumps(card) and "seeds" not in json.dumps(card)


def test_a_follow_up_asks_its_own_question_about_the_previous_subject():
    from assistant.question import asked_part, rule_rewrite

    history = [{"role": "user", "content": "Quel est le calendrier de révision du schéma régional ?"}]
    who = rule_rewrite("Et qui le signe ?", history)
    assert who.startswith("qui le signe ?") and "calendrier de révision du schéma régional" in who
    assert asked_part(who) == "qui le signe ?"  # asks who, not when
    more = rule_rewrite("Et pour le volet transport ?", history)
    assert asked_part(more) == more  # no question of its own: it asks what the previous one asked
    assert asked_part("Quand le schéma est-il révisé ?") == "Quand le schéma est-il révisé ?"


def test_a_question_about_a_year_after_the_passages_is_refused():
    from assistant.gate import later_than_passages

    texts = ["Le schéma régional de 2016 a été révisé en 2019 ; sa prochaine révision est prévue en 2026."]
    assert later_than_passages("Qu'a changé la réforme de 2028 ?", texts)
    assert later_than_passages("Quand la révision de 2026 est-elle prévue ?", texts) is None
    assert later_than_passages("Qui a révisé le schéma ?", texts) is None


def test_a_notion_of_the_glossary_the_documents_never_name_is_refused():
    from assistant.gate import unnamed_notion

    texts = ["Liste des zones urbaines sensibles\n\nRennes : Le Blosne ; Maurepas ; Villejean."]
    vocab = Vocabulary.from_texts([*texts, "Les quartiers prioritaires de la politique de la ville."])
    assert "ZRU" in unnamed_notion("Quelles communes ont une zone de redynamisation urbaine ?", texts, vocab)
    assert "zone franche urbaine" in unnamed_notion("Rennes a-t-elle une ZFU ?", texts, vocab)
    assert unnamed_notion("Quels quartiers de Rennes sont en zone urbaine sensible ?", texts, vocab) is None
    # every word of its name is in the corpus: a shortened form may name it, left to the other checks
    assert (
        unnamed_notion(
            "Combien de quartiers prioritaires de la politique de la ville à Rennes ?", texts, vocab
        )
        is None
    )
    # an acronym the corpus writes, even outside these passages, is a notion it knows
    known = Vocabulary.from_texts([*texts, "La ZRU de Rennes."])
    assert unnamed_notion("Quelles communes ont une ZRU ?", texts, known) is None


def test_a_count_of_the_noun_after_the_one_asked_answers_where_the_first_is_named():
    from core.text.values import asked_noun, counts_word

    _, match = asked_value("Combien de rénovations de façades le programme prévoit-il ?")
    noun = asked_noun(match)
    assert noun == "rénovations de façades"
    assert counts_word("Le programme prévoit la rénovation de quatre-vingts façades.", noun)
    assert counts_word("Il prévoit 80 rénovations.", noun)
    # the complement counted where the noun asked is not named is about something else
    assert not counts_word("Le programme prévoit le nettoyage de 80 façades.", noun)
    text = "Programme\nLe programme prévoit la rénovation de 120 façades et de 40 halls d'immeubles."
    assert (
        missing_answer_type(
            "Combien de rénovations de façades le programme prévoit-il ?",
            [text],
            Vocabulary.from_texts([text, "Autre."]),
            get_settings().focus_share,
        )
        is None
    )

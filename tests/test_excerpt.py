"""A long answer sentence quoted by the clauses that hold what is asked (``excerpt_chars``), on a
convention written here: the fact asked comes first and within the first 400 characters, the cuts
are marked « … », every word quoted is the passage's own and the citation still verifies."""

from __future__ import annotations

from ingest_helpers import make_passage

from assistant.excerpt import ELLIPSIS, clauses, excerpt
from assistant.extractive import extractive_answer
from assistant.verify import verify
from core.settings import Settings
from core.text.tokens import tokenize
from index.bm25 import Vocabulary

LONG = (
    "Pour la durée de la convention, qui court du 1er janvier 2026 au 31 décembre 2029, "
    "le comité de suivi réunit les services de l'État, les bailleurs présents dans le quartier, "
    "les associations de locataires et les représentants du conseil citoyen, "
    "il se réunit deux fois par an à l'hôtel d'agglomération, "
    "il est coprésidé par le sous-préfet chargé de la politique de la ville et par la vice-présidente "
    "de l'agglomération déléguée à la cohésion sociale, "
    "et son secrétariat est assuré par l'équipe projet du contrat de ville, "
    "qui adresse le compte rendu aux membres dans un délai de quinze jours."
)
TEXT = f"""Convention de gestion urbaine de proximité du quartier des Aulnes

Article 6 - Gouvernance

{LONG}

Article 7 - Financement

Le budget annuel de la convention s'élève à 84 000 euros, partagé à parts égales entre l'État et l'agglomération.
"""


def terms_of(question: str, vocab: Vocabulary):
    from assistant.scoring import question_matcher

    return question_matcher(question, vocab, 0.5)


def vocab() -> Vocabulary:
    return Vocabulary.from_texts(
        [TEXT, "Le quartier des Aulnes et ses habitants.", "Un autre texte du contrat."]
    )


def test_clauses_give_the_sentence_back():
    assert " ".join(clauses(LONG)) == LONG
    assert len(clauses(LONG)) >= 6
    assert clauses("Un taux de 1,5 % par an.") == ["Un taux de 1,5 % par an."]  # not cut inside a number


def test_a_long_sentence_is_quoted_by_the_clause_asked():
    shown = excerpt(LONG, terms_of("Qui copréside le comité de suivi ?", vocab()), 250)
    assert len(shown) < len(LONG) and len(shown) <= 250 + 90 + 4
    assert "coprésidé par le sous-préfet" in shown
    assert ELLIPSIS in shown
    words = set(tokenize(LONG))
    assert set(tokenize(shown)) <= words  # nothing but the passage's own words


def test_a_short_sentence_or_no_match_is_left_whole():
    short = "Le budget annuel s'élève à 84 000 euros, partagé à parts égales."
    assert excerpt(short, terms_of("Quel est le budget ?", vocab()), 250) == short
    assert excerpt(LONG, terms_of("Quelle couleur ?", vocab()), 250) == LONG
    assert excerpt(LONG, terms_of("Qui copréside le comité ?", vocab()), 0) == LONG  # the setting off


def test_the_answer_puts_the_fact_in_its_first_400_characters_and_verifies():
    passages = [make_passage(TEXT, node_id="aulnes.md", source="aulnes.md", title=TEXT.splitlines()[0])]
    question = "Dans quel délai le compte rendu du comité de suivi est-il envoyé ?"
    whole = extractive_answer(question, passages, vocab(), Settings(excerpt_chars=0))
    cut = extractive_answer(question, passages, vocab(), Settings(excerpt_chars=250))
    assert "quinze jours" not in whole[:400].replace("[1]", "")  # shown whole, the fact is far down
    assert "quinze jours" in cut[:400]
    text, citations = verify(cut, passages, Settings(excerpt_chars=250))
    assert "quinze jours" in text and citations  # the quoted clauses still verify against the passage


def test_with_values_only_the_clause_stating_the_value_is_kept_and_other_questions_stay_whole():
    terms = terms_of("Dans quel délai le compte rendu est-il adressé ?", vocab())
    from core.text.values import holds_value

    shown = excerpt(LONG, terms, 250, holds=lambda text: holds_value("duration", text))
    assert "quinze jours" in shown and len(shown) < len(LONG)
    assert excerpt(LONG, terms, 250, holds=lambda text: False) == LONG  # no clause states one
    passages = [make_passage(TEXT, node_id="aulnes.md", source="aulnes.md", title=TEXT.splitlines()[0])]
    settings = Settings(excerpt_chars=250, excerpt_values_only=True)
    answer = extractive_answer("Qui copréside le comité de suivi ?", passages, vocab(), settings)
    assert LONG in answer  # a « qui » question asks no value: the sentence is shown whole

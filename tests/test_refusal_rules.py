"""The answer-type rules that make the assistant refuse when the passages lack the value asked.

Pure functions over hand-written French passages: each case is one a user met in the gold sets
(evals/sample_gold.jsonl sample-042/043/046/049-052, seeds dev seed-016 and seed-018).
"""

from __future__ import annotations

from assistant.gate import missing_answer_type
from assistant.question import content_terms
from core.settings import get_settings
from core.text.tokens import tokenize
from index.bm25 import Vocabulary

GEOGRAPHY = (
    "Géographie prioritaire\n\nLa liste des quartiers prioritaires n'avait pas été revue depuis 2014. "
    "Elle est intervenue avec le décret du 28 décembre 2023. Ce texte arrête une liste de 1 362 quartiers "
    "prioritaires dans l'Hexagone. Les départements et régions d'outre-mer font l'objet d'un calendrier "
    "et de textes distincts."
)
CITIZENS = (
    "Participation\n2. Les conseils citoyens\nL'article 7 de la loi prévoit qu'un conseil citoyen soit mis "
    "en place dans chaque quartier prioritaire. Ses principales caractéristiques : deux collèges."
)
CYCLE = "Labo Cités\nProgramme\nCe cycle s'organise autour de quatre séances de travail, du 17 mars au 16 juin 2023."
CIRCULAR = (
    "Éléments principaux de la circulaire\n- Conception d'un appel à projet « anticipée » pour l'année 2024.\n"
    "- Calendrier :\n- Décembre 2023 : publication du décret fixant la liste des quartiers.\n"
    "- Au plus tard le 31 mars 2024 : élaboration des contrats de ville 2024-2030."
)
CAPITALISATION = (
    "Ressources\nConseils citoyens\nDocument de capitalisation. Villes et Territoires LR, septembre 2016. "
    "112 p."
)
VOCAB = Vocabulary.from_texts(
    [
        GEOGRAPHY,
        CITIZENS,
        CIRCULAR,
        CYCLE,
        CAPITALISATION,
        "Le contrat de ville est signé par le préfet.",
        "Les crédits spécifiques sont inscrits au programme 147.",
    ]
)


def refuses(question: str, *texts: str) -> bool:
    return missing_answer_type(question, list(texts), VOCAB, get_settings().focus_share) is not None


def test_a_count_about_something_else_is_not_an_answer():
    assert refuses(
        "Combien de quartiers prioritaires compte la nouvelle géographie dans les départements d'outre-mer ?",
        GEOGRAPHY,
    )
    assert not refuses(
        "Combien de quartiers prioritaires la nouvelle géographie compte-t-elle dans l'Hexagone ?", GEOGRAPHY
    )


def test_an_enumeration_is_not_a_count():
    assert refuses("Combien de conseils citoyens sont actuellement en activité en France ?", CITIZENS)


def test_sessions_answer_a_question_about_days():
    assert not refuses(
        "Labo Cités a monté un cycle en 2023 : combien de journées, et quand se terminait-il ?", CYCLE
    )


def test_an_abbreviated_count_reads_with_the_sentence_before():
    assert not refuses(
        "De quand date le document de capitalisation, et combien de pages compte-t-il ?", CAPITALISATION
    )


def test_credits_without_an_amount_asked_need_no_amount():
    assert not refuses(
        "Que sont les crédits spécifiques et dans quel programme sont-ils inscrits ?",
        "Les crédits spécifiques sont inscrits au programme 147.",
    )
    assert refuses(
        "Quel montant de crédits du programme 147 a été consacré aux contrats de ville en 2024 ?",
        "Les crédits spécifiques sont inscrits au programme 147.",
    )


def test_an_amount_about_something_else_is_not_an_answer():
    programme = "Modalités pratiques\n\nParticipation gratuite, inscription obligatoire pour chaque journée."
    assert refuses(
        "Quel montant de crédits le programme 147 a-t-il consacré aux contrats de ville en 2025 ?", programme
    )
    assert not refuses("Combien coûte la participation à une journée du cycle ?", programme)


def test_a_date_printed_near_the_subject_but_about_other_steps_is_not_an_answer():
    # the passage names the subject (« appel à projet anticipé ») without a date; the dates below
    # it are the calendar of the contracts
    assert refuses(
        "Jusqu'à quelle date pouvait-on déposer un dossier dans le cadre de l'appel à projets "
        "anticipé 2024 ?",
        CIRCULAR,
    )
    assert not refuses(
        "L'appel à projets anticipé était ouvert jusqu'à quelle date ?",
        CIRCULAR.replace("pour l'année 2024.", "pour l'année 2024, ouvert jusqu'au 15 janvier 2024."),
    )
    # a subject the passage names with its date, or does not name closely: coverage decides
    assert not refuses("Quand a été publié le décret fixant la liste des quartiers ?", CIRCULAR)
    assert not refuses(
        "Jusqu'à quand les contrats de ville 2024-2030 pouvaient-ils être élaborés ?", CIRCULAR
    )


def test_when_inside_a_definition_question_asks_no_date():
    assert not refuses(
        "Qu'est-ce qu'on appelle l'appel à projet anticipé 2024 quand on parle de contrats de ville ?",
        CIRCULAR,
    )


def test_the_askers_role_is_not_what_is_asked():
    delegate = tokenize("délégué")[0]
    assert delegate not in content_terms(
        "En tant que délégué du préfet, à quelles priorités de l'État dois-je veiller d'après la circulaire ?"
    )
    assert delegate in content_terms("Quel est le rôle du délégué du préfet dans le contrat de ville ?")


def test_an_address_asked_needs_an_address_in_the_passages():
    seat = "Statuts\nL'association a son siège dans la commune. Son conseil se réunit deux fois par an."
    located = "Statuts\nLe siège de l'association est situé 12 rue des Lilas, 35000 Rennes."
    for question in (
        "À quelle adresse se trouve le siège de l'association ?",
        "Quelle est l'adresse du siège ?",
    ):
        assert refuses(question, seat)
        assert not refuses(question, located)
    assert not refuses("Où se réunit le conseil de l'association ?", seat)  # « où » asks no address


def test_a_premise_the_passages_do_not_state_is_refused():
    from assistant.gate import unstated_premise

    texts = [
        "Vie locale\nLe conseil de quartier a été supprimé par une délibération du 3 mars 2022. "
        "Ses missions sont reprises par la commission de la vie locale."
    ]
    assert (
        unstated_premise(
            "Depuis que la délibération de 2022 a supprimé le conseil de quartier, qui suit ses missions ?",
            texts,
        )
        is None
    )
    assert (
        unstated_premise(
            "Maintenant que le conseil de quartier est supprimé, qui reprend ses missions ?", texts
        )
        is None
    )
    refused = unstated_premise(
        "Puisque la délibération de 2022 a fusionné le conseil de quartier et le comité des fêtes, qui le préside ?",
        texts,
    )
    assert refused and "fusionné le conseil de quartier" in refused
    assert unstated_premise(
        "Étant donné que la commune a dissous la commission, que devient le budget ?", texts
    )
    # a premise without a participle is left to the other checks
    assert (
        unstated_premise("Puisque la commune finance la commission, qui en fixe le budget ?", texts) is None
    )
    assert unstated_premise("Qui reprend les missions du conseil de quartier ?", texts) is None


def test_a_premise_said_with_a_noun_of_ending_is_refused_unless_the_passages_state_it():
    from assistant.gate import unstated_premise

    texts = [
        "Vie locale\nLe conseil de quartier a été supprimé par une délibération du 3 mars 2022. "
        "L'arrêté du 4 mai 2019 relatif aux jardins partagés fixe les horaires d'ouverture."
    ]
    stated = "Depuis la suppression du conseil de quartier, qui reprend ses missions ?"
    assert unstated_premise(stated, texts) is None  # « supprimé » says it
    refused = unstated_premise(
        "Depuis l'abrogation de l'arrêté du 4 mai 2019, quels horaires s'appliquent ?", texts
    )
    assert refused and "l'abrogation de l'arrêté du 4 mai 2019" in refused
    assert unstated_premise(
        "Après la dissolution de la commission des jardins, qui fixe les horaires ?", texts
    )
    # an event that ends nothing is not a premise to check, nor is a plain question about the text
    assert (
        unstated_premise("Depuis la publication de l'arrêté du 4 mai 2019, quels horaires ?", texts) is None
    )
    assert unstated_premise("Quels horaires fixe l'arrêté du 4 mai 2019 ?", texts) is None

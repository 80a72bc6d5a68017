"""A citation means the passage says it: claims written to be wrong in one way each, against a
passage written for the test."""

from __future__ import annotations

import pytest
from ingest_helpers import make_passage

from assistant.verify import verify
from core.settings import get_settings

TEXT = (
    "Le comité de pilotage se réunit deux fois par an. Il est coprésidé par le préfet et par le "
    "président de l'intercommunalité. Les habitants participent aux groupes de travail thématiques. "
    "Le contrat, d'une durée de six ans, comprend douze engagements. La convention n'est pas signée "
    "par les bailleurs sociaux. Le programme a été adopté le 14 mars 2024."
)
PASSAGE = make_passage(
    TEXT, source="contrat.md", title="Contrat de ville de Rivebelle", heading="Gouvernance"
)


def kept(claim: str) -> bool:
    text, citations = verify(f"{claim} [1]", [PASSAGE], get_settings())
    return bool(citations) and "[1]" in text


@pytest.mark.parametrize(
    "claim",
    [
        "Le comité de pilotage est coprésidé par le préfet et par le président de l'intercommunalité.",
        "Le contrat dure six ans et comprend douze engagements.",
        "Le programme a été adopté le 14 mars 2024.",
        "La convention n'est pas signée par les bailleurs sociaux.",
    ],
)
def test_what_the_passage_states_is_kept(claim):
    assert kept(claim)


@pytest.mark.parametrize(
    "claim, why",
    [
        ("Le contrat comprend quinze engagements.", "a wrong number, in words"),
        ("Le contrat, d'une durée de huit ans, comprend douze engagements.", "a wrong duration"),
        ("Le programme a été adopté le 14 mai 2024.", "a wrong date"),
        ("Le comité de pilotage est coprésidé par les habitants.", "a role given to the wrong actor"),
        ("La convention est signée par les bailleurs sociaux.", "a negation dropped"),
        ("Le comité de pilotage ne se réunit pas.", "a negation added"),
    ],
)
def test_a_claim_the_passage_does_not_state_is_dropped(claim, why):
    assert not kept(claim), why


DAY = make_passage(
    "La journée présente les outils de la programmation annuelle des actions.",
    source="journee.md",
    title="Journée d'échanges du 24 septembre 2024 à Lyon",
    heading="Programme",
)
DECREE = make_passage(
    "Le conseil compte vingt membres.",
    source="decret.md",
    title="Décret n° 2019-101 du 4 février 2019 relatif au conseil local des habitants",
    name="Décret n° 2019-101 du 4 février 2019",
)


def test_a_date_of_a_documents_title_supports_only_a_claim_about_that_document():
    def kept_by(claim: str, passage) -> bool:
        text, citations = verify(f"{claim} [1]", [passage], get_settings())
        return bool(citations)

    # a training day's date is not the date of what its page talks about
    assert not kept_by("La programmation annuelle des actions est fixée le 24 septembre 2024.", DAY)
    assert kept_by(
        "La journée d'échanges du 24 septembre 2024 à Lyon présente les outils de la programmation.", DAY
    )
    # a decree named by its form and date states its own date
    assert kept_by("Le décret du 4 février 2019 fixe à vingt le nombre de membres du conseil.", DECREE)


def test_a_sentence_caught_in_a_loop_is_dropped_and_a_long_list_is_kept():
    from assistant.verify import loops

    loop = "Cela comprend " + ", ".join(["les actions du comité de pilotage"] * 8) + "."
    assert loops(loop)
    assert not kept(
        loop.replace("Cela comprend", "Le comité de pilotage se réunit deux fois par an et comprend")
    )
    listing = (
        "Le comité réunit la direction générale de la cohésion sociale, la direction générale des "
        "collectivités locales, la direction générale de l'aménagement, la direction de l'habitat, "
        "la direction des affaires juridiques et la délégation interministérielle à la ville."
    )
    assert not loops(listing)


def test_a_date_is_stated_in_any_of_its_french_forms_but_not_another_day():
    text = "Calendrier\nLa délibération du 31 08 2023 fixe le calendrier des travaux de la place du marché."
    passages = [make_passage(text, node_id="p", source="deliberation.md", title="Calendrier")]
    claim = "La délibération du 31 août 2023 fixe le calendrier des travaux de la place du marché. [1]"
    out, citations = verify(claim, passages, get_settings())
    assert citations and "31 août 2023" in out
    out, citations = verify(claim.replace("31 août", "1er août"), passages, get_settings())
    assert not citations and "1er août" not in out

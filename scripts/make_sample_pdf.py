"""Generate the sample PDF of the corpus: a 5-page methodological guide on le droit commun.

Usage: python scripts/make_sample_pdf.py [OUTPUT_PATH]
(default: sample_corpus/guide_droit_commun.pdf next to this script's project root).

The PDF exercises the ingestion cleaner: every page carries the same header and a
footer with its page number, and one word is hyphenated across a line break
("contrac-" / "tualisation", page 1). Distinct facts sit on distinct pages so page
citations can be tested:
  p1 definitions (droit commun, crédits spécifiques, programme 147)
  p2 reference texts (loi 2014 art. 1, CIV 19 février 2013, circulaire 26 mars 2014)
  p3 instruction du 10 mars 2017, circulaire du 22 janvier 2019 (protocoles)
  p4 the five-step method
  p5 the table of commitments, indicators, points of attention

Only the standard Helvetica core font is used, with the windows-1252 encoding (which
covers French, including « », œ, ’ and —), so no font file is needed and the output
is byte-for-byte reproducible (fixed creation date, no random document id).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "sample_corpus" / "guide_droit_commun.pdf"
CREATED = datetime(2024, 6, 3, 9, 0, 0, tzinfo=UTC)
HEADER = "Réseau Quartiers Ressources – Guide « Mobiliser le droit commun »"
FOOTER = "Édition juin 2024 – Page {page} / {nb}"
TITLE = "Mobiliser le droit commun dans les contrats de ville 2024-2030"

# Each page is a list of blocks: (style, text). Styles: title, subtitle, h2, h3, p, li.
PAGES: list[list[tuple[str, str]]] = [
    [  # page 1
        ("title", TITLE),
        ("subtitle", "Guide méthodologique – juin 2024"),
        ("h2", "1. Droit commun et crédits spécifiques : de quoi parle-t-on ?"),
        (
            "p",
            "Le droit commun désigne l'ensemble des politiques publiques ordinaires, conduites par "
            "l'État, les collectivités et les organismes publics au bénéfice de tous les habitants, "
            "quel que soit leur lieu de résidence : l'école, l'emploi, la santé, le logement, les "
            "transports, la sécurité, le sport ou la culture. Ces politiques représentent "
            "l'essentiel des moyens publics présents dans les quartiers.",
        ),
        (
            "p",
            "Les crédits spécifiques sont les moyens propres à la politique de la ville. Ils sont "
            "inscrits pour l'essentiel au programme 147 « Politique de la ville » du budget de l'État "
            "et financent, par exemple, l'appel à projets annuel du contrat de ville, les postes "
            "d'adultes-relais ou les programmes de réussite éducative.",
        ),
        (
            "p",
            "Le principe est simple à énoncer et difficile à appliquer : les crédits spécifiques ne "
            "doivent jamais remplacer le droit commun. Ils servent à compenser des écarts, à "
            "expérimenter ou à produire un effet de levier. Si un quartier reçoit moins d'heures "
            "d'enseignement ou moins de services publics qu'un autre quartier de la même ville, "
            "aucune subvention de la politique de la ville ne suffira à combler cet écart.",
        ),
        ("h3", "Pourquoi ce guide ?"),
        # The explicit line break after "contrac-" produces the hyphenated word.
        (
            "p",
            "Les bilans des contrats 2015-2020 l'ont montré : la mobilisation du droit commun est "
            "restée trop souvent une déclaration d'intention. Ce guide propose une démarche pour "
            "qu'elle devienne, dans les contrats Engagements Quartiers 2030, un objet de négociation "
            "dès la phase de contrac-\ntualisation, puis un objet de suivi pendant toute la durée du "
            "contrat. Il s'adresse aux chefs de projet, aux délégués du préfet et aux référents des "
            "partenaires signataires.",
        ),
    ],
    [  # page 2
        ("h2", "2. Les textes de référence"),
        ("h3", "La loi du 21 février 2014"),
        (
            "p",
            "L'article 1er de la loi de programmation pour la ville et la cohésion urbaine pose que la "
            "politique de la ville mobilise et adapte d'abord les politiques de droit commun. Les "
            "instruments propres à la politique de la ville n'interviennent qu'en complément, "
            "lorsque la situation des quartiers le justifie.",
        ),
        ("h3", "Les conventions d'objectifs interministérielles"),
        (
            "p",
            "Le comité interministériel des villes du 19 février 2013 a décidé que chaque ministère "
            "s'engagerait, par une convention signée avec le ministre chargé de la Ville, sur des "
            "objectifs chiffrés en faveur des quartiers prioritaires. Ces conventions d'objectifs, "
            "conclues en 2013 et 2014, portent notamment sur l'emploi, l'éducation, la santé, les "
            "transports, la culture, le sport, la justice et la sécurité. D'autres conventions ont "
            "été passées avec des opérateurs publics et des associations d'élus.",
        ),
        ("h3", "La circulaire du Premier ministre du 26 mars 2014"),
        (
            "p",
            "Cette circulaire demande aux préfets de décliner sur leur territoire les engagements pris "
            "par chaque ministère dans ces conventions. Elle organise l'action de l'administration "
            "territoriale de l'État : chaque service déconcentré doit identifier ce qu'il apporte aux "
            "quartiers et le faire figurer dans le contrat de ville. Le préfet veille à la cohérence "
            "de l'ensemble et désigne, au sein de chaque service, un interlocuteur pour les équipes "
            "de la politique de la ville.",
        ),
        (
            "p",
            "Ces textes forment toujours le socle sur lequel s'appuient les négociations avec les "
            "partenaires. Ils n'ont pas été abrogés par les circulaires de 2023 et 2024 sur les "
            "nouveaux contrats, qui les complètent.",
        ),
    ],
    [  # page 3
        ("h2", "3. De 2015 à 2023 : rendre les engagements visibles"),
        ("h3", "L'instruction du 10 mars 2017"),
        (
            "p",
            "Deux ans après la signature des premiers contrats, le constat est sévère : les engagements "
            "de droit commun sont rarement chiffrés et encore plus rarement suivis. L'instruction du "
            "10 mars 2017 relative à la concrétisation des engagements de droit commun dans les "
            "contrats de ville demande aux préfets de recenser, service par service, les moyens "
            "effectivement mobilisés dans les quartiers et de les inscrire dans les contrats, avec des "
            "indicateurs de suivi.",
        ),
        ("h3", "Les protocoles d'engagements renforcés et réciproques"),
        (
            "p",
            "Lorsque les contrats sont prolongés jusqu'en 2022, une circulaire du 22 janvier 2019 invite "
            "les signataires à conclure des protocoles d'engagements renforcés et réciproques. Ces "
            "avenants doivent préciser de nouveau les engagements de chaque partenaire et les "
            "adapter aux priorités de la mobilisation nationale pour les habitants des quartiers.",
        ),
        ("h3", "Ce que l'on retient de ces expériences"),
        (
            "li",
            "les engagements les plus solides sont ceux qui sont écrits, chiffrés et rattachés à un "
            "quartier précis ;",
        ),
        ("li", "un référent identifié chez chaque partenaire facilite grandement le suivi ;"),
        ("li", "sans revue annuelle en comité de pilotage, les engagements s'érodent en deux ou trois ans ;"),
        ("li", "les partenaires s'engagent plus volontiers quand on part de leurs propres objectifs."),
    ],
    [  # page 4
        ("h2", "4. La méthode en cinq étapes"),
        (
            "p",
            "Nous proposons une démarche en cinq étapes, à mettre en œuvre pendant l'élaboration du contrat "
            "puis à reprendre chaque année.",
        ),
        (
            "li",
            "Étape 1 – Cartographier. Recenser les politiques de droit commun présentes dans chaque "
            "quartier (équipements, dispositifs, effectifs) et les comparer avec le reste de "
            "l'intercommunalité. Cette comparaison fait apparaître les écarts.",
        ),
        (
            "li",
            "Étape 2 – Dialoguer. Rencontrer chaque partenaire séparément, cartographie en main, pour "
            "identifier ce qu'il peut renforcer ou adapter dans les quartiers.",
        ),
        (
            "li",
            "Étape 3 – Écrire. Inscrire dans le contrat des engagements précis : quelle action, sur quel "
            "quartier, avec quels moyens et selon quel calendrier. Les engagements sont regroupés "
            "dans une annexe dédiée du contrat.",
        ),
        (
            "li",
            "Étape 4 – Suivre. Présenter chaque année en comité de pilotage un bilan de la réalisation "
            "des engagements, partenaire par partenaire.",
        ),
        (
            "li",
            "Étape 5 – Réviser. Lors de l'actualisation de 2027, compléter ou corriger les engagements "
            "à la lumière des bilans annuels.",
        ),
        (
            "p",
            "La deuxième étape est souvent la plus longue : il faut compter plusieurs mois de rencontres "
            "pour aboutir à des engagements réalistes. Elle gagne à être menée en binôme par le chef "
            "de projet de l'intercommunalité et le délégué du préfet.",
        ),
    ],
    [  # page 5
        ("h2", "5. Suivre et rendre compte"),
        ("h3", "Le tableau des engagements"),
        (
            "p",
            "L'outil central du suivi est un tableau des engagements tenu par l'équipe projet de "
            "l'intercommunalité. Nous conseillons d'y faire figurer six colonnes : le partenaire, la "
            "politique mobilisée, le ou les quartiers concernés, les moyens engagés, l'indicateur de "
            "suivi et l'échéance.",
        ),
        ("h3", "Exemples d'indicateurs"),
        ("li", "nombre de demandeurs d'emploi des quartiers accompagnés par France Travail ;"),
        ("li", "nombre de classes dédoublées en éducation prioritaire ;"),
        ("li", "présence de médecins généralistes et de maisons de santé ;"),
        ("li", "fréquence de desserte des quartiers par les transports en commun."),
        ("h3", "Points de vigilance"),
        ("li", "ne pas compter deux fois le même moyen sous deux intitulés différents ;"),
        ("li", "distinguer ce qui existait déjà de ce qui est nouveau ou renforcé ;"),
        ("li", "associer les conseils citoyens à la lecture du bilan annuel."),
        (
            "p",
            "Le pôle ressources du Réseau Quartiers Ressources accompagne gratuitement les équipes des "
            "intercommunalités qui souhaitent construire leur tableau des engagements.",
        ),
    ],
]

STYLES = {  # style: (font style, size, line height, space after)
    "title": ("B", 16, 8, 2),
    "subtitle": ("I", 11, 6, 6),
    "h2": ("B", 13, 7, 3),
    "h3": ("B", 11, 6, 1),
    "p": ("", 10.5, 5.5, 3),
    "li": ("", 10.5, 5.5, 1.5),
}


class GuidePDF(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", "I", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, HEADER, align="L", new_x="LMARGIN", new_y="NEXT")
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(6)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90, 90, 90)
        # "{nb}" is fpdf2's alias for the total page count, filled in at output time.
        self.cell(0, 5, FOOTER.format(page=self.page_no(), nb="{nb}"), align="C")
        self.set_text_color(0, 0, 0)


def build() -> GuidePDF:
    pdf = GuidePDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_margins(20, 15, 20)
    pdf.set_auto_page_break(True, margin=22)
    pdf.set_creation_date(CREATED)
    pdf.set_title(TITLE)
    pdf.set_author("Réseau Quartiers Ressources")
    pdf.set_subject("Guide méthodologique sur la mobilisation du droit commun")
    pdf.set_lang("fr")
    for blocks in PAGES:
        pdf.add_page()
        for style, text in blocks:
            font_style, size, height, after = STYLES[style]
            pdf.set_font("Helvetica", font_style, size)
            if style == "li":
                pdf.set_x(pdf.l_margin + 4)
                pdf.multi_cell(0, height, "•  " + text, new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(after)
    if pdf.page_no() != len(PAGES):
        raise SystemExit(f"content overflowed: {pdf.page_no()} pages instead of {len(PAGES)}")
    return pdf


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    build().output(str(out))
    print(f"wrote {out} ({len(PAGES)} pages)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Word lists and sentence templates of the synthetic documents (:mod:`evals.bench.synthetic`).

The generator draws from these lists in order: any change here changes every document and
sentence drawn, so it must come with a new :data:`evals.bench.synthetic.GENERATOR_VERSION`
(the cached scale indexes are keyed by it).
"""

from __future__ import annotations

COMMUNES = [
    ("Vaulx-en-Velin", "Métropole de Lyon", "Rhône"),
    ("Vénissieux", "Métropole de Lyon", "Rhône"),
    ("Rillieux-la-Pape", "Métropole de Lyon", "Rhône"),
    ("Saint-Fons", "Métropole de Lyon", "Rhône"),
    ("Grigny", "Grand Paris Sud", "Essonne"),
    ("Évry-Courcouronnes", "Grand Paris Sud", "Essonne"),
    ("Sevran", "Paris Terres d'Envol", "Seine-Saint-Denis"),
    ("Clichy-sous-Bois", "Grand Paris Grand Est", "Seine-Saint-Denis"),
    ("Aulnay-sous-Bois", "Paris Terres d'Envol", "Seine-Saint-Denis"),
    ("Bobigny", "Est Ensemble", "Seine-Saint-Denis"),
    ("Roubaix", "Métropole européenne de Lille", "Nord"),
    ("Tourcoing", "Métropole européenne de Lille", "Nord"),
    ("Denain", "Porte du Hainaut", "Nord"),
    ("Maubeuge", "Maubeuge Val de Sambre", "Nord"),
    ("Amiens", "Amiens Métropole", "Somme"),
    ("Creil", "Creil Sud Oise", "Oise"),
    ("Mulhouse", "Mulhouse Alsace Agglomération", "Haut-Rhin"),
    ("Strasbourg", "Eurométropole de Strasbourg", "Bas-Rhin"),
    ("Metz", "Metz Métropole", "Moselle"),
    ("Forbach", "Forbach Porte de France", "Moselle"),
    ("Reims", "Grand Reims", "Marne"),
    ("Vitry-le-François", "Vitry, Champagne et Der", "Marne"),
    ("Dijon", "Dijon Métropole", "Côte-d'Or"),
    ("Besançon", "Grand Besançon Métropole", "Doubs"),
    ("Montbéliard", "Pays de Montbéliard Agglomération", "Doubs"),
    ("Nancy", "Métropole du Grand Nancy", "Meurthe-et-Moselle"),
    ("Marseille", "Métropole Aix-Marseille-Provence", "Bouches-du-Rhône"),
    ("Vitrolles", "Métropole Aix-Marseille-Provence", "Bouches-du-Rhône"),
    ("Avignon", "Grand Avignon", "Vaucluse"),
    ("Nîmes", "Nîmes Métropole", "Gard"),
    ("Montpellier", "Montpellier Méditerranée Métropole", "Hérault"),
    ("Béziers", "Béziers Méditerranée", "Hérault"),
    ("Perpignan", "Perpignan Méditerranée Métropole", "Pyrénées-Orientales"),
    ("Toulouse", "Toulouse Métropole", "Haute-Garonne"),
    ("Montauban", "Grand Montauban", "Tarn-et-Garonne"),
    ("Bordeaux", "Bordeaux Métropole", "Gironde"),
    ("Lormont", "Bordeaux Métropole", "Gironde"),
    ("Pau", "Pau Béarn Pyrénées", "Pyrénées-Atlantiques"),
    ("Poitiers", "Grand Poitiers", "Vienne"),
    ("Limoges", "Limoges Métropole", "Haute-Vienne"),
    ("Nantes", "Nantes Métropole", "Loire-Atlantique"),
    ("Saint-Nazaire", "Saint-Nazaire Agglomération", "Loire-Atlantique"),
    ("Angers", "Angers Loire Métropole", "Maine-et-Loire"),
    ("Le Mans", "Le Mans Métropole", "Sarthe"),
    ("Rennes", "Rennes Métropole", "Ille-et-Vilaine"),
    ("Brest", "Brest Métropole", "Finistère"),
    ("Caen", "Caen la Mer", "Calvados"),
    ("Le Havre", "Le Havre Seine Métropole", "Seine-Maritime"),
    ("Rouen", "Métropole Rouen Normandie", "Seine-Maritime"),
    ("Évreux", "Évreux Portes de Normandie", "Eure"),
    ("Orléans", "Orléans Métropole", "Loiret"),
    ("Tours", "Tours Métropole Val de Loire", "Indre-et-Loire"),
    ("Bourges", "Bourges Plus", "Cher"),
    ("Clermont-Ferrand", "Clermont Auvergne Métropole", "Puy-de-Dôme"),
    ("Saint-Étienne", "Saint-Étienne Métropole", "Loire"),
    ("Grenoble", "Grenoble-Alpes Métropole", "Isère"),
    ("Échirolles", "Grenoble-Alpes Métropole", "Isère"),
    ("Chambéry", "Grand Chambéry", "Savoie"),
    ("Valence", "Valence Romans Agglo", "Drôme"),
    ("Nice", "Métropole Nice Côte d'Azur", "Alpes-Maritimes"),
    ("Toulon", "Métropole Toulon Provence Méditerranée", "Var"),
    ("Dunkerque", "Communauté urbaine de Dunkerque", "Nord"),
    ("Calais", "Grand Calais Terres et Mers", "Pas-de-Calais"),
    ("Lens", "Lens-Liévin", "Pas-de-Calais"),
    ("Saint-Quentin", "Saint-Quentinois", "Aisne"),
    ("Châlons-en-Champagne", "Châlons Agglo", "Marne"),
    ("Mantes-la-Jolie", "Grand Paris Seine et Oise", "Yvelines"),
    ("Trappes", "Saint-Quentin-en-Yvelines", "Yvelines"),
    ("Argenteuil", "Val Parisis", "Val-d'Oise"),
    ("Sarcelles", "Roissy Pays de France", "Val-d'Oise"),
    ("Cayenne", "Centre Littoral", "Guyane"),
    ("Fort-de-France", "Centre de la Martinique", "Martinique"),
]
QUARTIER_HEADS = [
    "Les Hauts de",
    "Le Val de",
    "La Cité des",
    "Le Plateau de",
    "Les Jardins de",
    "La Butte aux",
    "Le Clos des",
    "Les Terrasses de",
    "La Résidence des",
    "Le Parc des",
    "Les Coteaux de",
    "La Croix des",
]
QUARTIER_TAILS = [
    "Tilleuls",
    "Peupliers",
    "Lilas",
    "Hirondelles",
    "Mimosas",
    "Sablons",
    "Acacias",
    "Bruyères",
    "Chênes",
    "Cèdres",
    "Glycines",
    "Mouettes",
    "Tourelles",
    "Marronniers",
    "Castors",
    "Pins",
    "Rosiers",
    "Alouettes",
    "Iris",
    "Églantiers",
]
ACTORS = [
    "la préfecture",
    "le délégué du préfet",
    "l'intercommunalité",
    "la commune",
    "le conseil départemental",
    "la région",
    "la caisse d'allocations familiales",
    "France Travail",
    "la mission locale",
    "le bailleur social",
    "l'Agence nationale de la cohésion des territoires",
    "la Banque des Territoires",
    "l'agence régionale de santé",
    "l'Éducation nationale",
    "le conseil citoyen",
    "le centre social",
    "l'équipe projet du contrat de ville",
    "le centre de ressources politique de la ville",
    "la maison France Services",
    "le tissu associatif local",
    "la chambre de commerce et d'industrie",
    "la direction départementale de l'emploi, du travail et des solidarités",
]
THEMES = [
    "l'emploi des jeunes",
    "la réussite éducative",
    "la santé mentale",
    "la tranquillité publique",
    "la transition écologique",
    "la mobilité",
    "le logement et le cadre de vie",
    "l'accès aux droits",
    "la culture et les pratiques artistiques",
    "le sport comme levier d'insertion",
    "la lutte contre les discriminations",
    "l'égalité entre les femmes et les hommes",
    "la parentalité",
    "le développement économique",
    "l'inclusion numérique",
    "la petite enfance",
    "la participation des habitants",
    "la gestion urbaine de proximité",
    "la rénovation urbaine",
    "la prévention de la délinquance",
    "l'alimentation et la précarité",
    "l'apprentissage du français",
]
PROGRAMMES = [
    "les cités éducatives",
    "le programme de réussite éducative",
    "les bataillons de la prévention",
    "les adultes-relais",
    "les postes Fonjep",
    "Quartiers d'été",
    "Vacances apprenantes",
    "le nouveau programme national de renouvellement urbain",
    "les emplois francs",
    "les conventions d'utilité sociale",
    "l'abattement de taxe foncière",
    "les contrats locaux de santé",
    "les ateliers santé ville",
    "les plans de lutte contre les discriminations",
    "les maisons de santé pluriprofessionnelles",
    "les tiers-lieux",
    "les fabriques de territoire",
    "les conseils citoyens",
    "les fonds de participation des habitants",
    "les cordées de la réussite",
]
PUBLICS = [
    "les jeunes de 16 à 25 ans",
    "les familles monoparentales",
    "les seniors isolés",
    "les femmes éloignées de l'emploi",
    "les collégiens",
    "les enfants de moins de trois ans",
    "les demandeurs d'emploi de longue durée",
    "les commerçants",
    "les locataires du parc social",
    "les bénévoles associatifs",
    "les allocataires du RSA",
    "les habitants nouvellement arrivés",
    "les personnes en situation de handicap",
    "les lycéens",
]
ADJ = [
    "prioritaire",
    "transversal",
    "opérationnel",
    "partenarial",
    "expérimental",
    "pluriannuel",
    "territorialisé",
    "concerté",
    "ambitieux",
    "structurant",
]
VERBS_SUBJ = [
    "a présenté",
    "a validé",
    "a financé",
    "a co-construit",
    "a piloté",
    "a évalué",
    "a relancé",
    "a renforcé",
    "a cartographié",
    "a animé",
]
OBJECTS = [
    "un diagnostic partagé",
    "un plan d'action",
    "une convention de partenariat",
    "un appel à projets",
    "un atelier de concertation",
    "une marche exploratoire",
    "un tableau de bord",
    "une étude d'impact",
    "un forum des métiers",
    "une permanence juridique",
    "une formation des agents",
    "un guide pratique",
]
DOC_KINDS = [
    ("guide", "Fiche action n°{num} : {theme_cap} dans le quartier {quartier} ({commune})"),
    ("guide", "Guide méthodologique {year} : {theme_cap} dans les quartiers de {epci}"),
    ("cycle", "Compte rendu de la séance n°{small} du cycle « {theme_cap} » ({commune}, {year})"),
    ("cycle", "Programme de la journée d'échanges du {date} sur {theme} à {commune}"),
    ("circulaire", "Note de cadrage préfectorale n°{num} sur {theme} ({dept}, {year})"),
    ("autre", "Bilan annuel {year} du contrat de ville de {epci} : {theme}"),
    ("autre", "Rapport d'évaluation à mi-parcours {year} : {theme_cap} à {commune}"),
    ("autre", "Compte rendu du comité de pilotage du {date} : contrat de ville de {commune}"),
]
SECTIONS = [
    "Contexte",
    "Diagnostic territorial",
    "Objectifs",
    "Public visé",
    "Calendrier",
    "Gouvernance",
    "Financement",
    "Partenaires mobilisés",
    "Indicateurs de suivi",
    "Résultats obtenus",
    "Points de vigilance",
    "Perspectives",
    "Participation des habitants",
    "Moyens humains",
    "Évaluation",
    "Retours d'expérience",
    "Mobilisation du droit commun",
    "Articulation avec les autres dispositifs",
    "Ingénierie",
    "Communication",
    "Enjeux",
    "Méthode",
    "Actions engagées",
    "Difficultés rencontrées",
    "Prochaines étapes",
    "Annexe financière",
    "Données clés",
    "Recommandations",
    "Témoignages",
    "Synthèse des échanges",
    "Orientations stratégiques",
    "Programmation",
    "Engagements des signataires",
    "Observation",
    "Cadre juridique",
    "Rôle des conseils citoyens",
    "Modalités de suivi",
    "Budget prévisionnel",
    "Conclusion",
    "Questions ouvertes",
]

# Sentence templates: each yields one sentence (no inner full stop, no abbreviation with a dot).
TEMPLATES = [
    "Le {date}, {actor} {verb} {object} consacré à {theme} dans le quartier {quartier} à {commune}.",
    (
        "À {commune}, {pct} % des habitants du quartier {quartier} vivent sous le seuil de pauvreté, contre "
        "{pct2} % dans l'ensemble de {epci}."
    ),
    "Le budget consacré à {programme} atteint {amount} euros en {year}, dont {pct} % apportés par {actor}.",
    "{count} personnes ont été accompagnées en {year} au titre de {programme}, principalement {public}.",
    "Le comité de pilotage réuni le {date} a retenu {theme} comme axe {adj} du contrat de ville de {epci}.",
    "Dans le quartier {quartier}, {actor} anime chaque {weekday} une permanence dédiée à {theme}.",
    "La convention signée avec {actor} prévoit {count} actions d'ici à {year2} pour {public}.",
    (
        "Selon le diagnostic établi en {month} {year}, le taux de chômage des jeunes atteint {pct} % à "
        "{commune}."
    ),
    (
        "Les crédits spécifiques de la politique de la ville ne doivent pas se substituer au droit commun "
        "porté par {actor}."
    ),
    (
        "{actor_cap} s'engage à mobiliser {amount} euros de droit commun en faveur de {theme} sur la période "
        "{year}-{year2}."
    ),
    "La démarche engagée à {commune} associe {actor} et {actor2} autour de {theme}.",
    "Un appel à projets doté de {amount} euros a été lancé le {date} pour soutenir {programme} dans {epci}.",
    (
        "{count} habitants ont participé à la marche exploratoire organisée le {date} dans le quartier "
        "{quartier}."
    ),
    "L'évaluation de {programme} montre une progression de {pct} points de l'accès à l'emploi pour {public}.",
    "Le conseil citoyen de {commune} a rendu un avis {adj} sur {theme} lors de sa séance du {date}.",
    "Le quartier {quartier} compte {count} logements sociaux, dont {pct} % construits avant {old_year}.",
    "La géographie prioritaire actualisée en {year} retient {small} quartiers sur le territoire de {epci}.",
    "Pour {public}, {actor} propose un accompagnement {adj} articulé avec {programme}.",
    "Le poste de chef de projet consacré à {theme} est cofinancé par {actor} à hauteur de {pct} %.",
    (
        "Les données de {month} {year} indiquent que {pct} % des élèves du quartier {quartier} sont en retard "
        "scolaire."
    ),
    (
        "Un groupe de travail {adj} réunit depuis {month} {year} {actor}, {actor2} et les associations du "
        "quartier {quartier}."
    ),
    "La revue de projet du {date} a constaté un retard de {small} mois sur le volet {theme} à {commune}.",
    "{programme_cap} ont permis d'ouvrir {small} nouveaux lieux d'accueil à {commune} en {year}.",
    (
        "Le tableau de bord suit {small} indicateurs, dont le nombre de {public} accompagnés et le taux de "
        "sortie positive."
    ),
    "À l'horizon {year2}, {epci} vise {count} bénéficiaires supplémentaires pour {theme}.",
    "L'enveloppe de {amount} euros allouée par {actor} couvre les années {year} à {year2}.",
    (
        "Les habitants du quartier {quartier} citent {theme} comme leur première préoccupation dans l'enquête "
        "de {month} {year}."
    ),
    (
        "La circulaire du {date} rappelle que {theme} doit figurer parmi les priorités du contrat Engagements "
        "Quartiers 2030."
    ),
    (
        "Le centre social du quartier {quartier} a accueilli {count} familles lors des ateliers consacrés à "
        "{theme}."
    ),
    "{actor_cap} et {actor2} ont cosigné le {date} une charte d'engagement sur {theme}.",
    "Le séminaire organisé à {commune} le {date} a rassemblé {count} professionnels autour de {programme}.",
    (
        "Le coût moyen d'un parcours d'accompagnement de {public} est estimé à {small_amount} euros par "
        "personne."
    ),
    "Depuis {year}, {programme} bénéficient à {count} personnes dans les quartiers de {epci}.",
    (
        "La part des moins de 25 ans atteint {pct} % dans le quartier {quartier}, soit {pct2} points de plus "
        "que la moyenne communale."
    ),
    "Les élus de {commune} ont adopté le {date} une délibération {adj} relative à {theme}.",
    (
        "{actor_cap} finance {small} postes d'adultes-relais dans le quartier {quartier} pour un montant "
        "annuel de {small_amount} euros."
    ),
    "Le rapport remis en {month} {year} recommande de renforcer {theme} et de mieux associer {actor}.",
    (
        "Le dispositif repose sur {small} référents de parcours installés dans les maisons France Services de "
        "{epci}."
    ),
    "Lors de l'atelier du {date}, les participants ont priorisé {theme} puis {theme2}.",
    (
        "La convention territoriale d'exercice concerté de {commune} précise les engagements de {actor} en "
        "matière de {theme}."
    ),
    (
        "Un protocole signé le {date} fixe à {pct} % la part des attributions de logements hors quartier "
        "prioritaire."
    ),
    "Le plan {adj} de {epci} consacre {amount} euros à {theme} et {amount2} euros à {theme2}.",
    (
        "Le taux de participation aux ateliers de concertation est passé de {pct} % à {pct2} % entre "
        "{old_year} et {year}."
    ),
    "{count} jeunes du quartier {quartier} ont signé un contrat d'engagement jeune avec {actor} en {year}.",
    "L'équipe projet de {commune} présentera le bilan de {programme} au comité technique du {date}.",
    (
        "Les associations du quartier {quartier} ont reçu {amount} euros de subventions au titre de {theme} "
        "en {year}."
    ),
    "Le contrat de ville de {epci} couvre {small} communes et {count} habitants en quartier prioritaire.",
    (
        "{actor_cap} a recruté {small} médiateurs pour {theme} dans les quartiers de {commune} à partir de "
        "{month} {year}."
    ),
    "Le bilan de {month} {year} fait état de {count} rendez-vous assurés par {actor} auprès de {public}.",
    "Une fabrique de territoire ouverte à {commune} en {year} propose des ateliers sur {theme} à {public}.",
]
WEEKDAYS = [
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
]

"""A small corpus written for the time-aware rules: two contracts of one town (2015-2020 and
2024-2030) and a decree with the decree that modifies it."""

from __future__ import annotations

from pathlib import Path

TEXTS = {
    "contrat_valmont_2015.txt": (
        "Contrat de ville 2015-2020 de l'agglomération de Valmont\n\n"
        "Signé le 3 juillet 2015.\n\n"
        "Le comité de pilotage du contrat de ville de Valmont se réunit deux fois par an, sous la "
        "présidence du préfet et du président de l'agglomération.\n\n"
        "Le 12 octobre 2016, le conseil citoyen du quartier des Tilleuls a été installé.\n\n"
        "Le 5 avril 2018, l'avenant au contrat de ville de Valmont a été signé par tous les partenaires.\n"
    ),
    "contrat_valmont_2024.txt": (
        "Contrat de ville 2024-2030 de l'agglomération de Valmont\n\n"
        "Signé le 28 mars 2024.\n\n"
        "Le comité de pilotage du contrat de ville de Valmont se réunit trois fois par an, coprésidé "
        "par le préfet, le président de l'agglomération et deux habitants.\n\n"
        "Le 15 janvier 2025, la première revue annuelle du contrat de ville de Valmont a eu lieu.\n"
    ),
    "decret_2019_conseil.md": (
        "# Décret n° 2019-101 du 4 février 2019 relatif au conseil local des habitants de Valmont\n\n"
        "## Article 1\n\nLe conseil local des habitants de Valmont compte vingt membres.\n\n"
        "## Article 2\n\nLes membres du conseil local des habitants de Valmont sont désignés pour une "
        "durée de deux ans.\n"
    ),
    "decret_2022_conseil.md": (
        "# Décret n° 2022-55 du 10 mars 2022 modifiant le décret n° 2019-101 du 4 février 2019 relatif "
        "au conseil local des habitants de Valmont\n\n"
        "## Article 1\n\nLes membres du conseil local des habitants de Valmont sont désignés pour une "
        "durée de quatre ans.\n"
    ),
}


def write_time_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder

"""``assistant bench``: the performance subcommand (registered by ``ui.cli``)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

DEFAULT_OUT = Path("bench_out")


def register(subparsers, common) -> None:
    p = subparsers.add_parser(
        "bench",
        help="mesurer ingestion, latence, mémoire et passage à l'échelle sur cette machine",
        description="Mesure en une exécution : débit d'ingestion (découpage / embeddings / stockage) "
        "comparé au débit brut du modèle, ré-ingestion sans changement, latence (médiane, p95) "
        "de la recherche BM25 / dense / hybride et des réponses extractive et locale, mémoire, "
        "taille de l'index, passage à l'échelle jusqu'à 50 000 passages (documents "
        "synthétiques, index mis en cache dans DOSSIER/cache) et comparaison avec le pipeline "
        "llama-index par défaut. Écrit bench.json, bench.md et des graphiques PNG. "
        "Voir docs/performance.md.",
    )
    common(
        p,
        index_dir_help=(
            "sans effet ici : le bench construit ses propres index dans DOSSIER/work et DOSSIER/cache"
        ),
    )
    p.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="dossier des résultats (défaut : %(default)s)"
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="essai rapide (corpus des seeds, 20 questions, 2 questions au LLM local, échelle ~300 passages)",
    )
    p.add_argument(
        "--threads",
        type=int,
        help="threads torch de chaque mesure (défaut : celui de torch, soit tous les cœurs)",
    )
    p.add_argument(
        "--llm-questions",
        type=int,
        help="questions posées au LLM local (0 : sans LLM ; défaut 8, ou 2 en --quick)",
    )
    p.add_argument(
        "--llm-budget",
        type=float,
        help="secondes au plus pour les questions au LLM local (défaut 200, ou 90 en --quick)",
    )
    p.add_argument(
        "--scales",
        help="tailles d'index en passages, séparées par des virgules "
        "(défaut 500,5000,50000 ; 300 en --quick ; 0 : aucune)",
    )
    p.add_argument(
        "--limit", type=int, help="nombre de questions par mesure (défaut : toutes, 20 en --quick)"
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="profil pyinstrument de chaque mesure dans DOSSIER/profiles (installé par l'extra "
        "dev ; les durées mesurées en sont un peu allongées)",
    )
    p.add_argument(
        "--tune",
        action="store_true",
        help="mesurer aussi le débit du modèle seul pour threads (1, 2) x taille de lot (8 à 64)",
    )
    p.add_argument("--quiet", action="store_true", help="sans messages de progression")
    p.set_defaults(func=cmd_bench)


def _scales(text: str | None):
    if text is None:
        return None
    return tuple(int(x) for x in text.split(",") if x.strip() and int(x) > 0)


def cmd_bench(args) -> int:
    from evals.bench.config import BenchConfig
    from evals.bench.report import write_outputs
    from evals.bench.run import run_bench
    from evals.bench.spawn import BenchError

    cfg = BenchConfig.make(
        args.out,
        quick=args.quick,
        threads=args.threads,
        llm_questions=args.llm_questions,
        llm_budget_s=args.llm_budget,
        scales=_scales(args.scales),
        limit=args.limit,
    )
    cfg.progress = not args.quiet
    cfg.profile = args.profile
    cfg.tune = args.tune
    command = "assistant bench"
    if sys.argv[1:2] == ["bench"]:
        command += " " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    try:
        result = run_bench(cfg, command=command.strip())
    except BenchError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    paths = write_outputs(result, cfg.out)
    for row in result["targets"]:
        mark = {True: "ok ", False: "NON", None: " - "}[row["met"]]
        print(f"[{mark}] {row['target']}: {row['value']}")
    for kind, path in paths.items():
        print(f"{kind}: {path}")
    return 0

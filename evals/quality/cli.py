"""``assistant eval``: the evaluation subcommand (registered by ``ui.cli``)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

DEFAULT_OUT = Path("eval_out")


def register(subparsers, common) -> None:
    from evals.quality.run import ANSWER_BACKENDS, DEFAULT_CONFIGS, RETRIEVALS

    p = subparsers.add_parser(
        "eval",
        help="évaluer la recherche et les réponses sur un jeu de questions de référence",
        description="Indexe le corpus (index temporaire, ou --index-dir), pose chaque question du fichier "
        "JSONL de référence sous chaque configuration et écrit report.md, results.json et "
        "chart.png. Définitions des mesures : docs/evaluation.md.",
    )
    common(
        p,
        index_dir_help=(
            "index où ingérer le corpus (incrémental) ; défaut : un index temporaire, supprimé ensuite"
        ),
    )
    p.add_argument(
        "--questions",
        type=Path,
        required=True,
        help="jeu de référence JSONL (format de shared/evals/README.md)",
    )
    p.add_argument("--corpus", type=Path, required=True, help="dossier des documents sources")
    p.add_argument(
        "--configs",
        default=",".join(DEFAULT_CONFIGS),
        help=f"configurations séparées par des virgules (défaut : %(default)s) ; recherche : "
        f"{', '.join(RETRIEVALS)} ; réponse : RECHERCHE+MOTEUR avec MOTEUR parmi "
        f"{', '.join(ANSWER_BACKENDS)} (ex. hybrid+local, lent)",
    )
    p.add_argument("--out", type=Path, help=f"dossier des résultats (défaut : {DEFAULT_OUT}/<nom du jeu>)")
    p.add_argument("--limit", type=int, help="n'évaluer que les N premières questions (essai rapide)")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads torch pendant l'évaluation (défaut : %(default)s ; 0 = défaut de torch)",
    )
    p.add_argument("--quiet", action="store_true", help="sans barre de progression")
    p.set_defaults(func=cmd_eval)


def _command(args, out: Path) -> str:
    """The command line that reproduces this run (every choice explicit)."""
    parts = [
        "assistant",
        "eval",
        "--questions",
        str(args.questions),
        "--corpus",
        str(args.corpus),
        "--configs",
        args.configs,
        "--out",
        str(out),
    ]
    if args.index_dir:
        parts += ["--index-dir", str(args.index_dir)]
    if args.limit:
        parts += ["--limit", str(args.limit)]
    if args.threads != 1:
        parts += ["--threads", str(args.threads)]
    return " ".join(shlex.quote(p) for p in parts)


def cmd_eval(args) -> int:
    from evals.quality.report import answer_table, retrieval_table
    from evals.quality.run import EvalError, run_eval

    out = args.out or DEFAULT_OUT / args.questions.stem
    command = _command(args, out)
    try:
        results = run_eval(
            args.questions,
            args.corpus,
            args.configs,
            out,
            index_dir=args.index_dir,
            progress=not args.quiet,
            limit=args.limit,
            command=command,
            threads=args.threads or None,
        )
    except EvalError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    lines = []
    if any(c["kind"] == "retrieval" and c.get("overall") for c in results["configs"].values()):
        lines += retrieval_table(results) + [""]
    if any(c["kind"] == "answer" and c.get("overall") for c in results["configs"].values()):
        lines += answer_table(results) + [""]
    print("\n".join(lines))
    for kind, path in results["outputs"].items():
        print(f"{kind}: {path}")
    return 0

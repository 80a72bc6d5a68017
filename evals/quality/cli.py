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
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="JEU",
        help="un jeu d'évaluation, répétable : un dossier (questions.jsonl et corpus/), "
        "QUESTIONS.jsonl:CORPUS, ou public (les trois jeux publics : seeds_dev, dev2, sample_gold) ; "
        "résultats par jeu et leur moyenne dans summary.md",
    )
    p.add_argument("--questions", type=Path, help="jeu de référence JSONL (format de shared/evals/README.md)")
    p.add_argument("--corpus", type=Path, help="dossier des documents sources des questions")
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


def _command(args, out: Path, questions: Path, corpus: Path) -> str:
    """The command line that reproduces this run of one set (every choice explicit)."""
    parts = [
        "assistant",
        "eval",
        "--questions",
        str(questions),
        "--corpus",
        str(corpus),
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
    from evals.quality.run import EvalError
    from evals.quality.sets import EvalSet, parse_set, run_sets

    try:
        if bool(args.questions) != bool(args.corpus):
            raise EvalError("--questions et --corpus vont ensemble (ou utilisez --set)")
        sets = [s for spec in args.sets for s in parse_set(spec)]
        if args.questions:
            sets.insert(0, EvalSet(args.questions.stem, args.questions, args.corpus))
        if not sets:
            raise EvalError("indiquez un jeu : --set public, --set DOSSIER, ou --questions et --corpus")
        embed_model = _embed_model()  # one e5 model for every set of the run
        if len(sets) == 1:
            out = args.out or DEFAULT_OUT / sets[0].name
            _print(_run_one(args, sets[0], out, embed_model))
            return 0
        out = args.out or DEFAULT_OUT / "sets"
        done = run_sets(sets, out, lambda s, folder: _run_one(args, s, folder, embed_model))
    except EvalError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    from evals.quality.sets import summary_markdown

    print("\n".join(summary_markdown(done["summary"])))
    print(f"summary: {out / 'summary.md'}")
    return 0


def _embed_model():
    from core.settings import get_settings
    from index.embeddings import make_embed_model

    return make_embed_model(get_settings())


def _run_one(args, s, out: Path, embed_model) -> dict:
    from evals.quality.run import run_eval

    return run_eval(
        s.questions,
        s.corpus,
        args.configs,
        out,
        index_dir=args.index_dir,
        progress=not args.quiet,
        limit=args.limit,
        command=_command(args, out, s.questions, s.corpus),
        threads=args.threads or None,
        embed_model=embed_model,
    )


def _print(results: dict) -> None:
    from evals.quality.report import answer_table, retrieval_table

    lines = []
    if any(c["kind"] == "retrieval" and c.get("overall") for c in results["configs"].values()):
        lines += retrieval_table(results) + [""]
    if any(c["kind"] == "answer" and c.get("overall") for c in results["configs"].values()):
        lines += answer_table(results) + [""]
    print("\n".join(lines))
    for kind, path in results["outputs"].items():
        print(f"{kind}: {path}")

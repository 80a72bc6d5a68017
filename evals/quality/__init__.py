"""Quality evaluation (``assistant eval``): gold questions asked under each configuration, then scored.

* :mod:`~evals.quality.run`: ingest a corpus, ask every question, collect per-question rows;
* :mod:`~evals.quality.metrics`: the scoring rules of ``shared/evals/README.md``, one question at a time;
* :mod:`~evals.quality.aggregate`: scores per question, aggregates per configuration and question type,
  winners, comparisons, failure reasons;
* :mod:`~evals.quality.report`: ``report.md``, ``results.json``, ``chart.png``;
* :mod:`~evals.quality.validate_gold`: a gold set checked against its corpus
  (``python -m evals.quality.validate_gold GOLD.jsonl CORPUS_DIR``);
* :mod:`~evals.quality.cli`: the ``assistant eval`` subcommand.
"""

"""Evaluation and benchmark of the assistant, through its public API only.

* :mod:`evals.quality`: answer and retrieval quality on gold question sets (``assistant eval``):
  scoring rules of ``shared/evals/README.md``, aggregation, reports, gold-set validation;
* :mod:`evals.bench`: speed, memory and scale on this machine (``assistant bench``), each
  measurement in its own process, synthetic corpora for the larger indexes;
* shared by both: :mod:`evals.peer` (the llama-index default pipeline, the baseline),
  :mod:`evals.stats` (percentiles of timings) and :mod:`evals.provenance` (the git state of a run);
* ``sample_gold.jsonl``: the project's own gold set over ``sample_corpus/`` (package data).
"""

import core  # noqa: F401  (the offline environment, before any library is imported)

"""Benchmark (``assistant bench``): ingest throughput, query latency, memory and scale on this machine.

In the parent process: :mod:`~evals.bench.run` (the sequence of measurements), :mod:`~evals.bench.config`
(``BenchConfig``), :mod:`~evals.bench.spawn` (one measurement in a fresh process),
:mod:`~evals.bench.scale` (cached synthetic indexes of each size), :mod:`~evals.bench.figures`
(ratios, scale rows, targets), :mod:`~evals.bench.machine`, :mod:`~evals.bench.report`
(``bench.json``, ``bench.md``, plots) and :mod:`~evals.bench.cli` (the subcommand).

In each measurement process (``python -m evals.bench.worker TASK ARGS.json RESULT.json``):
:mod:`~evals.bench.worker` (the entry point), :mod:`~evals.bench.process` (memory and clock of the
process), :mod:`~evals.bench.tasks_ingest`, :mod:`~evals.bench.tasks_query`, :mod:`~evals.bench.tasks_scale`.

Synthetic corpora: :mod:`~evals.bench.synthetic` (French documents) and :mod:`~evals.bench.composed`
(their composed embeddings).
"""

"""Training data the project makes itself: questions written by the bundled local model from the
sentences of a training corpus, filtered by round trip, with unanswerable variants.

Never run on an evaluation corpus (``../shared/seeds``, dev2's ``corpus/``): the gold figures
must stay a measurement. See ``evals/training/README.md``.
"""

"""The sentence segmenter measured on the segmentation gold (evals/segmentation/gold.jsonl: 831
boundaries written from real texts of every source, 713 of them hard cases): a measurement that
fails when a change of ``core.text.sentences`` loses boundaries or cuts a legal reference."""

from __future__ import annotations

from evals.segmentation.measure import SEGMENTERS, measure


def test_the_segmenter_finds_the_gold_boundaries_and_never_cuts_a_reference():
    counts = measure(SEGMENTERS["project"])
    figures = {source: round(c["f1"], 3) for source, c in counts.items()}
    print(f"\nboundary F1 per source: {figures}")
    assert counts["all"]["tp"] + counts["all"]["fn"] >= 800  # the gold is whole
    assert counts["all"]["in_reference"] == 0, "a boundary inside a legal reference"
    assert counts["all"]["f1"] >= 0.985, figures  # 0.986 at 2c22d2d; the target is 0.99
    assert min(figures.values()) >= 0.95, figures

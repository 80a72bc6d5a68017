# Two entry points: `make run` (install, ingest the sample corpus, open the chat) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 7860

# The inner loop while working (under 2 minutes on 2 cores): code shape, the text toolkit, the
# answer-shape and metric checks, the segmenter measurement, one small end-to-end ask.
FAST_TESTS := tests/test_layers.py tests/test_reader.py tests/test_text_toolkit.py tests/test_answer_shape.py \
	tests/test_eval_metrics.py tests/test_question_parts.py tests/test_answer_lines.py \
	tests/test_values_acronyms.py tests/test_training_data.py tests/test_segmentation_gold.py tests/test_excerpt.py \
	tests/test_pdf_fidelity.py tests/test_cli_ask.py::test_ask_json_has_the_stable_fields

.PHONY: run test test-fast install ingest-sample bench eval clean-index

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch first, pinned: the CPU wheel on this machine (any other spec may pull a CUDA build).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[local-model,dev]'
	touch $(STAMP)

install: $(STAMP)

ingest-sample: $(STAMP)
	$(BIN)/assistant ingest sample_corpus --prune

run: ingest-sample
	$(BIN)/assistant serve --port $(PORT)

# The tests include the shape of the code (tests/test_layers.py: import contract, ruff).
test: $(STAMP)
	$(BIN)/python scripts/install_browser.py
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q $(FAST_TESTS)

bench: $(STAMP)
	$(BIN)/assistant bench --out bench_out

eval: $(STAMP)
	$(BIN)/assistant eval --set public

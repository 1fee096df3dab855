# The two commands a new user needs:
#   make run    set everything up (venv, dependencies, models, seed articles) and start the web chat
#   make test   set everything up and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 7860

.PHONY: setup run test bench bench-scale chat clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "Installing dependencies (llama-cpp-python compiles once, about 5 minutes; pip caches the wheel)..."
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

models/cache/.pulled: models/manifest.toml | $(VENV)/.installed
	$(BIN)/assistant models pull
	touch $@

setup: $(VENV)/.installed models/cache/.pulled
	$(BIN)/assistant ingest seeds/

run: setup
	$(BIN)/assistant serve --host $(HOST) --port $(PORT)

chat: setup
	$(BIN)/assistant chat

test: $(VENV)/.installed models/cache/.pulled
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/bench_retrieval.py
	$(BIN)/python benchmarks/bench_answers.py

bench-scale: $(VENV)/.installed models/cache/.pulled
	$(BIN)/python benchmarks/scale.py --chunks 1000 10000

clean:
	rm -rf $(VENV) data models/cache

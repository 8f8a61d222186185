# stancewatch: `make` lists the targets.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= configs/default.yaml
SET ?=
OVERRIDES := $(foreach kv,$(SET),--set $(kv))
.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "torch==2.13.0" -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP) ## create .venv and install stancewatch with its dev tools

train: $(STAMP) ## train, evaluate, log to MLflow and register (CONFIG=configs/fast.yaml, SET="key=value ...")
	$(BIN)/stancewatch train --config $(CONFIG) $(OVERRIDES)

train-fast: $(STAMP) ## quick run with the frozen-encoder config
	$(BIN)/stancewatch train --config configs/fast.yaml $(OVERRIDES)

evaluate: $(STAMP) ## score the test split with the champion model
	$(BIN)/stancewatch evaluate --split test

predict: $(STAMP) ## label the seed article with the champion model
	$(BIN)/stancewatch predict data/seed_example.json --pretty

serve: $(STAMP) ## start the HTTP service on http://127.0.0.1:8000 (docs at /docs)
	$(BIN)/stancewatch serve

score: $(STAMP) ## score a corpus: make score IN=archive.jsonl OUT=scored/ [ARGS="--workers 2"]
	@if [ -z "$(IN)" ] || [ -z "$(OUT)" ]; then echo "expected IN=<input> OUT=<output folder>, e.g. make score IN=archive.jsonl OUT=scored/"; exit 2; fi
	$(BIN)/stancewatch score $(IN) -o $(OUT) $(ARGS)

mlflow-ui: $(STAMP) ## open the MLflow UI on http://127.0.0.1:5000
	$(BIN)/mlflow ui --backend-store-uri sqlite:///mlruns/mlflow.db --host 127.0.0.1 --port 5000

test: $(STAMP) ## run the whole test suite, real-model (slow) tests included: what CI runs
	$(BIN)/pytest -q -m "slow or not slow"

test-fast: $(STAMP) ## run the quick tests only (tiny models, no slow marker)
	$(BIN)/pytest -q

lint: $(STAMP) ## ruff and mypy
	$(BIN)/ruff check training serving tests benchmarks
	$(BIN)/ruff format --check training serving tests benchmarks
	$(BIN)/mypy

bench-topics: $(STAMP) ## 3-seed benchmark and leave-one-source-out evaluation -> BENCHMARKS.md
	$(BIN)/python benchmarks/topics.py

bench-http: $(STAMP) ## stancewatch serve vs mlflow models serve under load (needs ../shared) -> benchmarks/out/
	$(BIN)/python benchmarks/http_load.py

bench-stance: $(STAMP) ## public stance benchmarks (SemEval-2016, P-Stance, NewsMTSC, VAST, FNC-1; needs ../shared)
	$(BIN)/python benchmarks/stance_public.py $(if $(DATA),--data $(DATA))

bench-actors: $(STAMP) ## actor extraction recall/precision against the gold actors on dev
	$(BIN)/python benchmarks/actor_recall.py dev

bench-batch: $(STAMP) ## naive loop vs stancewatch score on the unlabelled corpus (needs ../shared)
	$(BIN)/python benchmarks/batch.py

.PHONY: help setup train train-fast evaluate predict serve score mlflow-ui test test-fast lint bench-topics bench-http bench-batch bench-stance bench-actors

# Two commands: `make run` and `make test`. Both create .venv if missing and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-all lint format bench clean

$(BIN)/python:
	@echo "Creating the environment in $(VENV) (first run only)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# pip reports each package as it collects, downloads (with a progress bar on a terminal) and
# installs it: a few minutes the first time (numpy, pandas, scipy, numba, duckdb, dask,
# matplotlib, ...); later runs skip this step until pyproject.toml changes.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing techbloc and its dependencies into $(VENV): a few minutes the first time..."
	$(BIN)/python -m pip install --progress-bar on -e ".[dev,fast]"
	@touch $(STAMP)
	@echo "Environment ready in $(VENV)."

run: $(STAMP)
	$(BIN)/techbloc run

test: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks scripts
	$(BIN)/ruff format --check src tests examples benchmarks scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

test-all: $(STAMP)
	$(BIN)/python -m pytest -q -m ""

lint: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks scripts
	$(BIN)/ruff format --check src tests examples benchmarks scripts
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix src tests examples benchmarks scripts
	$(BIN)/ruff format src tests examples benchmarks scripts

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/engine.py

clean:
	rm -rf $(VENV) out .pytest_cache

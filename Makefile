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

# The report's PDF is printed by headless Chromium (Debian's package); without it, and without
# root to install it, `techbloc run` still writes the HTML report and says why there is no PDF.
run: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || [ -n "$$TECHBLOC_CHROMIUM" ] || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "Installing Chromium to print the report's PDF (apt-get)..."; \
	      apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium || true; \
	    else echo "Chromium not found: the report is written as HTML only (install chromium for the PDF)."; fi; }
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

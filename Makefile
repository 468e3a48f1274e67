# Every target sets itself up: a fresh clone needs only python3 (3.11+) and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint typecheck unit bench bench-smoke bench-pytest clean

# One install for every target: the extras the CLI, NATS, tests and benchmark peers need.
$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[cli,nats,dev,bench]'
	touch $(STAMP)

setup: $(STAMP)

# Runs examples/echo.yaml (a Python TCP/UDP echo service and its clients) end to end on the
# embedded SQLite store, then says where the events are and how to look at them.
demo: $(STAMP)
	$(BIN)/panther-events run examples/echo.yaml --db panther-events.db
	@echo
	@echo "Event log: $(CURDIR)/panther-events.db (one line per event: $(CURDIR)/panther-events.log)"
	@echo "Look at the run with:"
	@echo "  $(BIN)/panther-events show latest"
	@echo "  $(BIN)/panther-events timeline latest"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python bench/setup_peers.py
	$(BIN)/python bench/run.py

bench-smoke: $(STAMP)
	$(BIN)/python bench/run.py --smoke

# What `pytest --panther-events` costs a suite of 2,000 trivial tests (docs/performance.md).
bench-pytest: $(STAMP)
	$(BIN)/python bench/pytest_plugin.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist

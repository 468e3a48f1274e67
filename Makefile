# Every target sets itself up: a fresh clone needs only python3 (3.11+) and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint typecheck unit bench bench-smoke bench-pytest clean

EXTRAS := cli,nats,web,dev,bench
# uv installs in seconds what pip takes a minute for. Used from PATH, else bootstrapped from PyPI
# with the system python into the (ignored) venv directory; pip is the fallback when neither works.
UV_HOME := $(VENV)/.uv

# One install for every target: the extras the CLI, NATS, tests and benchmark peers need.
$(STAMP): pyproject.toml Makefile
	@uv="$$(command -v uv || true)"; \
	if [ -z "$$uv" ] && [ ! -x $(UV_HOME)/bin/uv ]; then \
		echo "bootstrapping uv from PyPI into $(UV_HOME)"; \
		$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(UV_HOME) uv \
			>/dev/null 2>&1 || echo "no uv: installing with pip"; \
	fi; \
	if [ -z "$$uv" ] && [ -x $(UV_HOME)/bin/uv ]; then uv=$(UV_HOME)/bin/uv; fi; \
	if [ -n "$$uv" ] && "$$uv" venv --quiet --allow-existing --python $(PYTHON) $(VENV) \
		&& "$$uv" pip install --quiet --python $(BIN)/python -e '.[$(EXTRAS)]'; then :; \
	else \
		set -e; \
		$(PYTHON) -m venv $(VENV); \
		$(BIN)/python -m pip install --quiet --upgrade pip; \
		$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'; \
	fi
	touch $(STAMP)

# The dashboard's browser tests drive Debian's chromium through its chromium-driver (never a
# browser downloaded by a test tool); installed with apt-get when missing (CI runs as root).
BROWSER := /usr/bin/chromium /usr/bin/chromedriver
$(BROWSER):
	@command -v apt-get >/dev/null || { echo "install chromium and chromium-driver" >&2; exit 1; }
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver

setup: $(STAMP) $(BROWSER)

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

unit: $(STAMP) $(BROWSER)
	$(BIN)/pytest

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python bench/setup_peers.py
	$(BIN)/python bench/run.py
	$(BIN)/python bench/startup.py

bench-smoke: $(STAMP)
	$(BIN)/python bench/run.py --smoke
	$(BIN)/python bench/startup.py --smoke

# What `pytest --panther-events` costs a suite of 2,000 trivial tests (docs/performance.md).
bench-pytest: $(STAMP)
	$(BIN)/python bench/pytest_plugin.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist

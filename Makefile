# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test check setup bench events-doc clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

## Set up and start everything on loopback (Temporal dev server, worker, views, API); Ctrl-C stops it.
run: $(STAMP)
	@mkdir -p var
	CARECASE_LOG_FILE=var/carecase.log $(BIN)/carecase run

## Lint, format check and type check (strict on domain/); fails on any finding.
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Set up, run the checks, then the whole test suite (SQLite and a throwaway PostgreSQL 15 cluster),
## in two processes (each with its own Temporal dev server and PostgreSQL cluster).
test: check
	$(BIN)/python -m pytest -q -n 2

## Measure every figure against its limit; writes docs/benchmarks.md and docs/benchmarks.json (SCALE=4 for more).
bench: $(STAMP)
	$(BIN)/python -m bench --scale $(or $(SCALE),1)

events-doc: $(STAMP)
	$(BIN)/carecase events --markdown > docs/events.md

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis

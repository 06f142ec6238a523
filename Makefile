# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test setup demo events-doc clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

## Set up, initialise the SQLite store under var/ and run a realistic demo case, printing its timeline.
run: $(STAMP)
	@mkdir -p var
	CARECASE_LOG_FILE=var/carecase.log $(BIN)/carecase demo
	@echo "Store: var/carecase.sqlite   Logs (JSON): var/carecase.log"

## Set up and run the whole test suite (SQLite and a throwaway PostgreSQL 15 cluster).
test: $(STAMP)
	$(BIN)/python -m pytest -q

events-doc: $(STAMP)
	$(BIN)/carecase events --markdown > docs/events.md

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis

# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STATIC := api/console/static
ASSETS := $(STATIC)/.copied

.PHONY: run test check setup assets bench events-doc clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP) $(ASSETS)

# The console's assets, never fetched at run time and never in git: GOV.UK Frontend's compiled CSS,
# JavaScript, fonts and images, and axe-core for the browser tests, from the npm registry at the
# versions package-lock.json pins (npm ci), copied where the API serves them (/console/static).
# The stylesheet names its fonts and images under /assets/: here they are under /console/static/assets/.
$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(STATIC) && mkdir -p $(STATIC)
	cp -R node_modules/govuk-frontend/dist/govuk/assets $(STATIC)/assets
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(STATIC)/
	sed 's#url(/assets/#url(/console/static/assets/#g' node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css \
		> $(STATIC)/govuk-frontend.min.css
	cp node_modules/axe-core/axe.min.js $(STATIC)/
	touch $(ASSETS)

## The console's assets alone (run by setup, run and test): needs npm and the npm registry.
assets: $(ASSETS)

## Set up and start everything on loopback (Temporal dev server, worker, views, API); Ctrl-C stops it.
run: $(STAMP) $(ASSETS)
	@mkdir -p var
	CARECASE_LOG_FILE=var/carecase.log $(BIN)/carecase run

## Lint, format check and type check (strict on domain/); fails on any finding.
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Set up, run the checks, then the whole test suite (SQLite and a throwaway PostgreSQL 15 cluster),
## in two processes (each with its own Temporal dev server and PostgreSQL cluster).
test: check $(ASSETS)
	$(BIN)/python -m pytest -q -n 2

## Measure every figure against its limit; writes docs/benchmarks.md and docs/benchmarks.json (SCALE=4 for more).
bench: $(STAMP)
	$(BIN)/python -m bench --scale $(or $(SCALE),1)

events-doc: $(STAMP)
	$(BIN)/carecase events --markdown > docs/events.md

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis node_modules $(STATIC)

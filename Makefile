# The front door. `make run` and `make test` set everything up on a fresh machine (Python 3.11+).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
ARGS ?=
PYTEST_ARGS ?=

.PHONY: help install browser node js-install run test lint format typecheck validate unit integration e2e js-test bench reliability invoke clean

help:
	@echo "make run      start the whole system locally (REST + pages on :3000, AWS endpoint on :4566)"
	@echo "make test     lint, type-check, validate the template and run every test"
	@echo "make invoke   FN=<LogicalId> EVENT=events/<dir>/<file>.json  run one function with a sample event"
	@echo "make bench    run the benchmarks (prints numbers, asserts nothing about time)"
	@echo "make reliability  injected faults, random concurrency and fuzzing at length; prints the report"

$(STAMP):
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# The browser tests drive the system's Chromium: Playwright's own browser download needs an internet
# connection that CI and offline machines do not have. Installed only when missing (Debian/Ubuntu).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "installing chromium for the browser tests"; \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

# The web pages' tooling (ESLint, Prettier, `node --test`) needs Node 18.18+ and npm: Debian's
# packages, installed only when missing, like Chromium. `npm ci` installs exactly package-lock.json.
NODE_STAMP := node_modules/.installed-$(shell cat package-lock.json | cksum | cut -d' ' -f1)

node:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
		echo "installing nodejs and npm for the web pages' lint and unit tests"; \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm; \
	fi

$(NODE_STAMP): package.json package-lock.json | node
	npm ci --no-audit --no-fund --loglevel=error
	@rm -f node_modules/.installed-* && touch $@

js-install: $(NODE_STAMP)

run: install
	$(BIN)/python -m local_stack $(ARGS)

lint: install js-install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	npx --no-install eslint .
	npx --no-install prettier --check .

format: install js-install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	npx --no-install prettier --write .
	npx --no-install eslint --fix .

typecheck: install
	$(BIN)/mypy

validate: install
	SAM_CLI_TELEMETRY=0 $(BIN)/sam validate --lint --template-file template.yaml --region us-east-1

# pytest exits 5 when it collected nothing: that is a broken suite, not a pass.
test: lint typecheck validate browser js-test
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

unit: install
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

integration: install
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

e2e: install browser
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

# The pure parts of the pages (status text, countdowns, error messages, alert parsing) under Node.
js-test: js-install
	node --test tests/js/

bench: install
	$(BIN)/python -m bench $(ARGS)

# The reliability suite at length (make test runs it bounded): every fault scenario, >= 10,000 random
# operations, >= 1,000 fuzz cases; the report table is printed and kept in bench/results/reliability.json.
RELIABILITY_DIR := .local/reliability
reliability: install
	@rm -rf $(RELIABILITY_DIR) && mkdir -p $(RELIABILITY_DIR)
	@RELIABILITY_FULL=1 RELIABILITY_REPORT_DIR=$(RELIABILITY_DIR) $(BIN)/python -m pytest \
		tests/reliability tests/integration/test_api_fuzz.py -p no:cacheprovider $(PYTEST_ARGS); rc=$$?; \
	$(BIN)/python -m tests.reliability.report $(RELIABILITY_DIR) bench/results/reliability.json || rc=1; \
	exit $$rc

invoke: install
	$(BIN)/python -m local_stack.invoke $(FN) $(EVENT) $(ARGS)

clean:
	rm -rf $(VENV) node_modules .local .aws-sam .pytest_cache .mypy_cache .ruff_cache tests/artifacts

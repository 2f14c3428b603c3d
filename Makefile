# The front door. `make run` and `make test` set everything up on a fresh machine (Python 3.11+).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
ARGS ?=
PYTEST_ARGS ?=

.PHONY: help install browser run test lint format typecheck validate unit integration e2e bench invoke clean

help:
	@echo "make run      start the whole system locally (REST + pages on :3000, AWS endpoint on :4566)"
	@echo "make test     lint, type-check, validate the template and run every test"
	@echo "make invoke   FN=<LogicalId> EVENT=events/<dir>/<file>.json  run one function with a sample event"
	@echo "make bench    run the benchmarks (prints numbers, asserts nothing about time)"

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

run: install
	$(BIN)/python -m local_stack $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install
	$(BIN)/mypy

validate: install
	SAM_CLI_TELEMETRY=0 $(BIN)/sam validate --lint --template-file template.yaml --region us-east-1

# pytest exits 5 when it collected nothing: that is a broken suite, not a pass.
test: lint typecheck validate browser
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

unit: install
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

integration: install
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

e2e: install browser
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench $(ARGS)

invoke: install
	$(BIN)/python -m local_stack.invoke $(FN) $(EVENT) $(ARGS)

clean:
	rm -rf $(VENV) .local .aws-sam .pytest_cache .mypy_cache .ruff_cache

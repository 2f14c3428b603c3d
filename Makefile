# The front door. `make run` and `make test` set everything up on a fresh machine (Python 3.11+).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
ARGS ?=
PYTEST_ARGS ?=

.PHONY: help install browser node js-install run test lint format typecheck validate unit integration e2e js-test \
	bench reliability invoke clean runtime lock build artefact scan frontend publish-frontend

help:
	@echo "make run      start the whole system locally (REST + pages on :3000, AWS endpoint on :4566)"
	@echo "make test     lint, type-check, validate the template and run every test"
	@echo "make invoke   FN=<LogicalId> EVENT=events/<dir>/<file>.json  run one function with a sample event"
	@echo "make bench    run the benchmarks (prints numbers, asserts nothing about time)"
	@echo "make reliability  injected faults, random concurrency and fuzzing at length; prints the report"
	@echo "make build    sam build with the functions' runtime Python; prints the artefact's size"
	@echo "make lock     re-pin the functions' runtime dependencies from pyproject.toml"
	@echo "make scan     cfn-lint with AWS's serverless rules and checkov on template.yaml"
	@echo "make frontend bundle the embeddable stock widget (frontend/dist/, esbuild)"
	@echo "make publish-frontend STACK=<name> REGION=<region>  upload the pages to a deployed stack"

$(STAMP):
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# The local Lambda workers run the functions' runtime Python (the template's Runtime) with exactly the
# locked dependencies and what the Lambda runtime provides. Without that Python they fall back to the
# development interpreter and say so (local_stack/runtime_python.py).
RUNTIME_VENV := .venv-runtime
RUNTIME_LOCKS := dependencies/requirements.txt dependencies/runtime-provided.txt
RUNTIME_STAMP := $(RUNTIME_VENV)/.installed-$(shell cat $(RUNTIME_LOCKS) | cksum | cut -d' ' -f1)

$(RUNTIME_STAMP): | $(STAMP)
	@if py="$$($(BIN)/python -m local_stack.runtime_python)"; then \
		echo "local Lambda workers: $$py with the locked dependencies ($(RUNTIME_VENV))"; \
		rm -rf $(RUNTIME_VENV) && "$$py" -m venv $(RUNTIME_VENV) && \
		$(RUNTIME_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
			--require-hashes --only-binary=:all: $(addprefix -r ,$(RUNTIME_LOCKS)) && touch $@; \
	else echo "local Lambda workers will run $$($(BIN)/python -V) instead"; fi

runtime: $(RUNTIME_STAMP)

lock: install
	$(BIN)/python -m tools.lock

# What deploys: `sam build` with the runtime's Python first on PATH (never a container).
build: install
	@py="$$($(BIN)/python -m local_stack.runtime_python)" || exit 1; \
	echo "sam build with $$py"; \
	PATH="$$(dirname "$$py"):$$PATH" SAM_CLI_TELEMETRY=0 $(BIN)/sam build --cached --parallel >.aws-sam-build.log 2>&1 \
		|| { cat .aws-sam-build.log; exit 1; }; rm -f .aws-sam-build.log
	@$(BIN)/python -m tools.artefact size

# `make test` builds the artefact too; a machine without the runtime's Python skips it (and its
# tests) saying so, except in CI, where it must build.
artefact: install
	@if $(BIN)/python -m local_stack.runtime_python >/dev/null 2>&1 || [ "$${CI:-}" = true ]; then \
		$(MAKE) --no-print-directory build; \
	else $(BIN)/python -m local_stack.runtime_python; echo "make test: artefact not built, its tests are skipped"; fi

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

run: install runtime frontend
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

# The one-file widget bundle (frontend/dist/) from the ES-module sources, with npm's esbuild.
frontend: js-install
	@npm run --silent build

STACK ?= checkout-inventory
REGION ?=
publish-frontend: install frontend
	$(BIN)/python -m tools.publish_frontend --stack-name $(STACK) $(if $(REGION),--region $(REGION))

# IaC scans: AWS's serverless rules for cfn-lint and checkov must report nothing. Every checkov skip
# sits in the template's Metadata with its reason (tests/unit/test_template_scans.py).
SCAN_VENV := .venv-scan
SCAN_STAMP := $(SCAN_VENV)/.installed-$(shell cat tools/scan-requirements.txt | cksum | cut -d' ' -f1)

$(SCAN_STAMP):
	@test -x $(SCAN_VENV)/bin/python || $(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r tools/scan-requirements.txt
	@rm -f $(SCAN_VENV)/.installed-* && touch $@

scan: $(SCAN_STAMP)
	$(SCAN_VENV)/bin/cfn-lint --append-rules cfn_lint_serverless.rules -- template.yaml
	@BC_SKIP_MAPPING=TRUE $(SCAN_VENV)/bin/checkov --file template.yaml --framework cloudformation \
		--compact --quiet --skip-download --output cli 2>/dev/null; rc=$$?; \
	if [ $$rc -ne 0 ]; then echo "checkov: failed checks above" >&2; exit $$rc; fi; echo "checkov: 0 failed"

validate: install
	SAM_CLI_TELEMETRY=0 $(BIN)/sam validate --lint --template-file template.yaml --region us-east-1

# pytest exits 5 when it collected nothing: that is a broken suite, not a pass.
test: lint typecheck validate scan browser js-test runtime artefact frontend
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

unit: install
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

integration: install runtime
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

e2e: install browser runtime frontend
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
	rm -rf $(VENV) $(RUNTIME_VENV) $(SCAN_VENV) node_modules frontend/dist .local .aws-sam .pytest_cache .mypy_cache \
		.ruff_cache tests/artifacts

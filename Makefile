# The two commands: `make run` and `make test`. Everything else is their setup.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi:app

PO_FILES := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

# The browser tests drive this Chromium (tests/browser/conftest.py reads CHROMIUM).
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser || echo /usr/bin/chromium)
export CHROMIUM
APT_GET ?= apt-get

.PHONY: run test setup chromium translations-extract clean

## make run: set everything up, migrate, load demo data, serve on http://127.0.0.1:5000 (+ mail worker)
run: setup
	@mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask demo
	@echo "Mails are written to instance/mail/ as .eml files by the worker started alongside."
	$(BIN)/flask worker --interval 5 & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## make test: set everything up and run every test (SQLite, PostgreSQL, Chromium)
# The browser tests are required here: a missing Chromium fails them instead of skipping.
test: setup chromium
	BROWSER_TESTS_REQUIRED=1 $(BIN)/python -m pytest

## make chromium: install Chromium for the browser tests where we can (root with apt, as .ci/run
## does); otherwise stop and print the one command to run.
chromium:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v $(APT_GET) >/dev/null 2>&1; then \
	  echo "make: installing Chromium for the browser tests"; \
	  DEBIAN_FRONTEND=noninteractive $(APT_GET) update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq chromium >/dev/null || exit 1; \
	else \
	  echo "make test needs Chromium for the browser tests (not found at $(CHROMIUM)). Run:"; \
	  echo "    sudo apt-get install chromium"; \
	  exit 1; \
	fi

setup: $(VENV)/.stamp static/vendor/.stamp $(MO_FILES)

$(VENV)/.stamp: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

# Dev dependencies too: vnu-jar, the Nu HTML Checker of the browser tests (runs on the system's
# Java). No install scripts: its postinstall would download a Java runtime.
static/vendor/.stamp: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf static/vendor && mkdir -p static/vendor/kern
	cp -r node_modules/@kern-ux/native/dist/. static/vendor/kern/
	mkdir -p static/vendor/sortablejs
	cp node_modules/sortablejs/Sortable.min.js node_modules/sortablejs/LICENSE static/vendor/sortablejs/
	@touch $@

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.stamp
	$(BIN)/pybabel compile --statistics -d translations -l $*

## make translations-extract: refresh the catalog after changing user-facing text
translations-extract: $(VENV)/.stamp
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs ".*" -o translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) node_modules static/vendor translations/*/LC_MESSAGES/*.mo

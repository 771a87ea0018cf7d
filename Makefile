# The two commands: `make run` and `make test`. Everything else is their setup.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi:app

PO_FILES := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test setup translations-extract clean

## make run: set everything up, migrate, load demo data, serve on http://127.0.0.1:5000 (+ mail worker)
run: setup
	@mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask demo
	@echo "Mails are written to instance/mail/ as .eml files by the worker started alongside."
	$(BIN)/flask worker --interval 5 & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## make test: set everything up and run every test (SQLite, PostgreSQL, Chromium)
test: setup
	$(BIN)/python -m pytest

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

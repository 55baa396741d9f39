# The doors into the project: make run, make test, make lint.
# Each target creates .venv when missing and installs only what changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
WEB_BIND ?= 127.0.0.1:8000

.PHONY: run test lint bench load format messages clean help
.DEFAULT_GOAL := help

help:
	@echo "make run    - migrate, load demo data, start web + worker + beat on http://$(WEB_BIND)"
	@echo "make test   - the whole suite on PostgreSQL and Redis"
	@echo "make lint   - ruff check, ruff format --check, makemigrations --check"
	@echo "make bench  - benchmarks at a million complaints (SCALE=small: the quick form CI runs)"
	@echo "make load   - 50 simulated users for 60 s against gunicorn (LOAD_USERS=, LOAD_SECONDS=)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(RUNTIME_STAMP) $@

run: $(RUNTIME_STAMP)
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py load_demo_data
	@echo ""
	@echo "Complaint centre: http://$(WEB_BIND)/  (API docs: http://$(WEB_BIND)/api/v1/docs/)"
	@echo "Database: $${DATABASE_URL:-embedded SQLite in var/}; broker: $${REDIS_URL:-embedded file-system broker in var/}"
	@echo ""
	PATH="$(abspath $(BIN)):$$PATH" WEB_BIND=$(WEB_BIND) $(BIN)/honcho start

test: $(DEV_STAMP)
	@$(PY) scripts/ensure_browser.py
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

# SCALE=small: the same benchmarks on a tiny data set (CI); BENCH_ARGS="--only intake".
SCALE ?= full
bench: $(DEV_STAMP)
	$(PY) -m bench --scale $(SCALE) $(BENCH_ARGS)

LOAD_USERS ?= 50
LOAD_SECONDS ?= 60
load: $(DEV_STAMP)
	$(PY) -m bench.loadtest --users $(LOAD_USERS) --seconds $(LOAD_SECONDS)

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the zh-Hans catalogue after changing strings; commit .po and .mo.
messages: $(DEV_STAMP)
	$(PY) manage.py makemessages --locale zh_Hans --ignore '.venv/*' --ignore 'var/*' --ignore 'staticfiles/*'
	$(PY) manage.py compilemessages --locale zh_Hans

clean:
	rm -rf var staticfiles

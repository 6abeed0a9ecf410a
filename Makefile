# Logement accompagné Caen — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOUSEHOLDS ?= 300
# Development commands run with DEBUG=1 (plain HTTP, development key, no second factor) unless
# DEBUG is set; production runs none of them (see README, docker-compose.yml).
DEV := DEBUG=$${DEBUG:-1}

.PHONY: run test lint install migrate demo worker beat bench load-test e2e screenshots clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(DEV) $(BIN)/python manage.py migrate --noinput
	$(DEV) $(BIN)/python manage.py setup_schedules

demo: migrate
	$(DEV) $(BIN)/python manage.py seed_demo --households $(HOUSEHOLDS)

## Serve on http://127.0.0.1:8000 (SQLite unless DATABASE_URL is set).
run: demo
	@# Without Redis no beat runs: today's reminders are created once, here, so the demo shows them.
	@if [ -z "$$REDIS_URL" ]; then $(DEV) $(BIN)/python manage.py run_due_jobs; fi
	@echo "Démonstration : DEBUG=1, HTTP local, double authentification désactivée (REQUIRE_2FA=0)."
	$(DEV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## The whole suite: PostgreSQL and Redis via DATABASE_URL and REDIS_URL, else SQLite, the tests
## needing them skipped with their reason (failed under REQUIRE_SERVICES=1). Journeys need chromium.
test: install
	SECRET_KEY=$${SECRET_KEY:-test-only-secret-key} $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	SECRET_KEY=lint $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/djlint templates --lint

worker: install
	$(DEV) $(BIN)/celery -A caen_accompagnement worker --loglevel=info

beat: install
	$(DEV) $(BIN)/celery -A caen_accompagnement beat --loglevel=info

## Pages, imports and PDFs measured side by side (ratios, pass/fail, a JSON last line) on a
## throwaway PostgreSQL demo of BENCH_HOUSEHOLDS households, under gunicorn (docs/performance.md).
BENCH_HOUSEHOLDS ?= 10000
BENCH := DEBUG=0 SECRET_KEY=$${SECRET_KEY:-bench-only-secret-key}
bench: install
	$(BENCH) $(BIN)/python manage.py bench --households $(BENCH_HOUSEHOLDS)

## 20 social workers at once for 30 s, 20 % double-submitting; then every acknowledged contact
## must be saved exactly once (docs/performance.md). Throwaway database and gunicorn, loopback.
load-test: install
	$(BENCH) $(BIN)/python manage.py load_test

## The journeys of each kind of user (tests/e2e/test_journey_*.py, keyboard only, axe-core on
## every page), saving their key screens to docs/screenshots/ (shown in the README). Needs
## Chromium; PostgreSQL through DATABASE_URL as for `make test`.
screenshots: install
	rm -f docs/screenshots/*.png
	SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots SECRET_KEY=$${SECRET_KEY:-test-only-secret-key} \
		$(BIN)/pytest tests/e2e/test_journey_*.py -p no:randomly -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles

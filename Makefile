# CRS Monitor. `make run` serves a demo ward; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CELERY := $(VENV)/bin/celery -A crsmonitor

# The suite talks to real PostgreSQL and Redis; these are the local defaults.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/crsmonitor
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
TEST_ENV := DEBUG=false SECRET_KEY=test-only-secret-key ALLOWED_HOSTS=127.0.0.1,localhost \
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)}
RUN_ENV := DEBUG=$${DEBUG:-true}

.PHONY: venv lock run migrate seed worker beat test lint e2e deploy-check clean bench

# Installs exactly the locked versions; `make lock` refreshes the lock from pyproject.toml.
$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

lock: venv
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile --quiet --extra dev --strip-extras --output-file requirements.lock pyproject.toml

venv: $(STAMP)

migrate: venv
	$(RUN_ENV) $(PY) manage.py migrate --no-input

seed: migrate
	$(RUN_ENV) $(PY) manage.py seed_demo

# Embedded default: SQLite, tasks in-process. With REDIS_URL set, a real
# worker and beat run beside the server and stop with it.
run: seed
	@if [ -n "$$REDIS_URL" ]; then \
		trap 'kill 0' EXIT INT TERM; \
		$(RUN_ENV) $(CELERY) worker --loglevel=info --concurrency=2 & \
		$(RUN_ENV) $(CELERY) beat --loglevel=info --schedule=$(VENV)/celerybeat-schedule & \
		$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:8000; \
	else \
		$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:8000; \
	fi

worker: venv
	$(RUN_ENV) $(CELERY) worker --loglevel=info

beat: venv
	$(RUN_ENV) $(CELERY) beat --loglevel=info --schedule=$(VENV)/celerybeat-schedule

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(TEST_ENV) $(VENV)/bin/pytest -m "not e2e"

# Browser tests: Debian's Chromium driven by Playwright (never a downloaded browser).
e2e: venv
	$(TEST_ENV) $(VENV)/bin/pytest -m e2e

# Production settings must pass Django's deployment checks without a warning.
deploy-check: venv
	DEBUG=false SECRET_KEY=$$($(PY) -c "import secrets; print(secrets.token_urlsafe(50))") \
	ALLOWED_HOSTS=crs.example.org DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles

# Issue 12's measurements in one run, in a database of its own: the board at
# 60/120/240 patients against its raw-SQL floor, regrade() and the pages over
# 1/7/28-day stays, `manage.py grade` replaying a week, chart to grade through
# a real worker, the trajectory's first draw in Chromium (4x CPU slowdown) and
# a Locust load run against gunicorn. About 12 minutes; BENCH_FLAGS=--quick
# for a smoke run (also --skip-browser, --skip-load).
bench: venv
	DEBUG=false HTTPS=false SECRET_KEY=bench-only-secret-key ALLOWED_HOSTS=127.0.0.1,localhost \
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	$(PY) manage.py bench $(BENCH_FLAGS)

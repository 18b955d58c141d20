# Newsroom: the commands every issue and CI build on (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
INSTALLED := $(VENV)/.installed
# Local commands run with DEBUG on; `make serve` runs as production does.
DEV := DEBUG=1

.PHONY: help install run test lint serve bench soak clean worker clock stack

help:
	@echo "make run    - set up and serve the site on http://127.0.0.1:$(PORT) (SQLite, demo content)"
	@echo "make test   - lint, check migrations and run the whole test suite"
	@echo "make serve  - production-style: gunicorn, DEBUG off, settings from the environment"
	@echo "make worker - a task worker (content events, periodic jobs) on TASKS_BROKER_URL"
	@echo "make clock  - the clock: scheduled instants become events; relays and periodic jobs"
	@echo "make stack  - Varnish on STACK_PORT (8080) before two app servers, a worker and the clock"
	@echo "make bench  - the benchmark: every page kind, bare, cold and warm, as ratios to a bare page"
	@echo "make soak   - 64 clients for 60 s: no errors, flat memory"
	@echo "make clean  - remove the virtualenv, the local database and media"

$(INSTALLED): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing dependencies into $(VENV)..."
	@$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	@touch $@

install: $(INSTALLED)

run: install
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py rename_photo_files
	$(DEV) $(PY) manage.py seed_demo --if-empty
	$(DEV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# axe-core (accessibility) and vnu-jar (HTML conformance, runs on java) for the browser tests;
# without npm they skip, loudly. No install scripts: vnu-jar's would download a Java runtime
# (CI installs Debian's). npm writes node_modules/.package-lock.json on every install.
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent --ignore-scripts; \
	else echo "npm not found: accessibility and HTML conformance checks will be skipped"; fi

# Two pytest-xdist workers (the suite waits on browsers and servers more than it computes);
# files that start servers once per module run whole on one worker (xdist_group).
TEST_WORKERS ?= 2

test: lint node_modules/.package-lock.json
	$(DEV) $(PY) manage.py makemigrations --check --dry-run
	$(DEV) $(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

serve: install
	DEBUG=0 $(PY) manage.py check --fail-level ERROR
	DEBUG=0 $(PY) manage.py collectstatic --noinput --verbosity 0
	DEBUG=0 $(PY) manage.py migrate --noinput
	DEBUG=0 $(PY) manage.py rename_photo_files
	DEBUG=0 $(VENV)/bin/gunicorn newsroom.wsgi \
		--bind 127.0.0.1:$(PORT) \
		--workers $${WEB_CONCURRENCY:-$$(( $$(nproc) * 2 + 1 ))} \
		--access-logfile - --forwarded-allow-ips "$${FORWARDED_ALLOW_IPS:-127.0.0.1}"

# The worker and the clock use the broker the app servers send to (TASKS_BROKER_URL; without
# it app servers run event handlers in-process and need neither). DEBUG stays on unless a
# SECRET_KEY is given, as for `make run`.
TASKS_BROKER_URL ?= redis://127.0.0.1:6379/1
TASKS_ENV := TASKS_BROKER_URL=$(TASKS_BROKER_URL) $(if $(SECRET_KEY),,DEBUG=1)

worker: install
	$(TASKS_ENV) $(VENV)/bin/celery -A newsroom.celery worker --loglevel=$${LOG_LEVEL:-INFO}

clock: install
	$(TASKS_ENV) $(PY) manage.py clock

# The production shape on one machine (deploy/stack.sh; docs/operators-guide.md, "The stack"):
# PostgreSQL and Redis from DATABASE_URL and REDIS_URL, local ones by default.
stack: install
	@deploy/stack.sh

bench: install
	@command -v wrk >/dev/null || (echo "Installing wrk (Debian package)..." && apt-get install -y -qq wrk >/dev/null)
	$(DEV) $(PY) manage.py migrate --noinput -v0
	$(DEV) $(PY) manage.py bench

# 64 clients for 60 s over every page kind: no errors, flat memory (issue #7).
soak: install
	@command -v wrk >/dev/null || (echo "Installing wrk (Debian package)..." && apt-get install -y -qq wrk >/dev/null)
	$(DEV) $(PY) manage.py migrate --noinput -v0
	$(DEV) $(PY) manage.py soak

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles

# Newsroom: the commands every issue and CI build on (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
INSTALLED := $(VENV)/.installed
# Local commands run with DEBUG on; `make serve` runs as production does.
DEV := DEBUG=1

.PHONY: help install run test lint serve bench soak clean

help:
	@echo "make run    - set up and serve the site on http://127.0.0.1:$(PORT) (SQLite, demo content)"
	@echo "make test   - lint, check migrations and run the whole test suite"
	@echo "make serve  - production-style: gunicorn, DEBUG off, settings from the environment"
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

test: lint node_modules/.package-lock.json
	$(DEV) $(PY) manage.py makemigrations --check --dry-run
	$(DEV) $(PY) -m pytest $(PYTEST_ARGS)

serve: install
	DEBUG=0 $(PY) manage.py check --fail-level ERROR
	DEBUG=0 $(PY) manage.py collectstatic --noinput --verbosity 0
	DEBUG=0 $(PY) manage.py migrate --noinput
	DEBUG=0 $(PY) manage.py rename_photo_files
	DEBUG=0 $(VENV)/bin/gunicorn newsroom.wsgi \
		--bind 127.0.0.1:$(PORT) \
		--workers $${WEB_CONCURRENCY:-$$(( $$(nproc) * 2 + 1 ))} \
		--access-logfile - --forwarded-allow-ips "$${FORWARDED_ALLOW_IPS:-127.0.0.1}"

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

# Tandem: `make run` serves the whole product; `make test` runs the linters (ruff, import-linter,
# mypy) and the whole suite.
SHELL := /bin/bash
PYTHON_BOOTSTRAP ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
PORT ?= 8000
export PORT

.PHONY: run test test-unit test-browser test-faults lint typecheck typecheck-update typecheck-baseline format install migrate demo \
	check-deploy clean

# --- install (each step re-runs only when its lock file changes) ------------------------
$(PY):
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

$(VENV)/.synced: requirements.lock | $(PY)
	$(UV) pip sync --quiet --python $(PY) requirements.lock
	touch $@

node_modules/.synced: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.synced node_modules/.synced

# Re-lock after editing pyproject.toml or package.json.
lock: | $(PY)
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11.7 --generate-hashes \
		--quiet -o requirements.lock
	npm install --package-lock-only --no-audit --no-fund

# --- run ---------------------------------------------------------------------------------
migrate: install
	$(PY) manage.py migrate --no-input -v 0

demo: install
	$(PY) manage.py seed_demo --migrate

run: demo
	$(PY) manage.py serve --port $(PORT)

# --- test --------------------------------------------------------------------------------
lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m tandem.core.typecheck

# mypy against mypy-baseline.txt (errors that predate the type checker; it may only shrink).
typecheck: install
	$(PY) -m tandem.core.typecheck

# After fixing recorded errors: drop them from the baseline (never adds one).
typecheck-update: install
	$(PY) -m tandem.core.typecheck --update

# After moving modules: record the current errors afresh (the diff should only rename paths).
typecheck-baseline: install
	$(PY) -m tandem.core.typecheck --rebaseline

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Browser tests run in their own pytest process: Playwright's sync API keeps an event loop
# in the main thread, which would break async tests sharing the process.
# The fault suite starts its own PostgreSQL and Redis servers (never the shared ones), kills
# workers and restarts those servers under load; it does not read DATABASE_URL or REDIS_URL.
test: lint test-unit test-browser test-faults

test-unit: install
	$(VENV)/bin/pytest -q -m "not browser and not fault"

test-browser: install
	$(VENV)/bin/pytest -q -m browser

test-faults: install
	$(VENV)/bin/pytest -q -m fault

check-deploy: install
	TANDEM_ENV=production SECRET_KEY="$$(openssl rand -base64 48)" ALLOWED_HOSTS=tandem.example \
	TANDEM_SITE_URL=$${TANDEM_SITE_URL:-https://tandem.example} \
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	TANDEM_MESSAGE_KEYS=$${TANDEM_MESSAGE_KEYS:-$$(openssl rand -base64 32 | tr '+/' '-_')} \
	$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules staticfiles

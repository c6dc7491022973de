# policy-crawler: every target creates .venv (with Python >= 3.11) and installs the project first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install services test lint format crawl demo browse bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy crawler

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The services the tests need (PostgreSQL, Redis, nginx) are started or installed first; a missing
# one is named in one line (tests/support/provision.sh).
services:
	@bash tests/support/provision.sh

test: lint services
	$(BIN)/python -m pytest

# Crawl every spider from the live sites into DATABASE_URL (default data/policy.db).
crawl: $(STAMP)
	$(BIN)/crawler run

# The same crawl, offline: every request is answered from tests/fixtures.
demo: $(STAMP)
	$(BIN)/crawler run --replay tests/fixtures

# Benchmarks (not tests): ratios against bare Scrapy measured in the same run; see docs/benchmarks.md.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py

# Browse and query the database in a web browser (Datasette, with table descriptions and canned queries).
browse: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[browse]'
	$(BIN)/datasette data/policy.db --metadata docs/datasette/metadata.yml --plugins-dir docs/datasette/plugins

clean:
	rm -rf $(VENV) data feeds .mypy_cache .ruff_cache .pytest_cache

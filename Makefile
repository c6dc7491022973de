# policy-crawler: every target creates .venv (with Python >= 3.11) and installs the project first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install services test test-quick lint format crawl demo browse bench clean

# setup.py compiles crawler/extraction (mypyc): an edit there is compiled again by the next target
# (until then the package runs its .py files: crawler/extraction/native.py)
$(STAMP): pyproject.toml setup.py $(wildcard crawler/extraction/*.py)
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

# The tests that need no service (no PostgreSQL, Redis, nginx or browser), without the linters.
QUICK = not postgres and not redis and not nginx and not browser
test-quick: $(STAMP)
	$(BIN)/python -m pytest -m "$(QUICK)"

# Crawl every spider from the live sites into DATABASE_URL (default data/policy.db).
crawl: $(STAMP)
	$(BIN)/crawler run

# The same crawl, offline: every request is answered from tests/fixtures.
demo: $(STAMP)
	$(BIN)/crawler run --replay tests/fixtures

# Benchmarks (not tests): ratios against bare Scrapy measured in the same run; see docs/benchmarks.md.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.attachments

# The researcher's web view: Datasette with docs/datasette (front page, article view, search, site
# health, feeds at /feeds/). Datasette is installed only when missing; the URL is printed first.
BROWSE_DB   ?= data/policy.db
BROWSE_HOST ?= 127.0.0.1
BROWSE_PORT ?= 8001
DATASETTE_ARGS = --metadata docs/datasette/metadata.yml --plugins-dir docs/datasette/plugins \
	--template-dir docs/datasette/templates --static assets:docs/datasette/static \
	--setting truncate_cells_html 300 --setting suggest_facets off
browse: $(STAMP)
	@test -x $(BIN)/datasette || $(BIN)/python -m pip install --quiet -e '.[browse]'
	@test -f $(BROWSE_DB) || { echo "browse: no database at $(BROWSE_DB): run make demo (offline, the bundled fixtures) or make crawl first"; exit 1; }
	@echo "policy-crawler web view: http://$(BROWSE_HOST):$(BROWSE_PORT)/  (Ctrl-C stops it)"
	@exec $(BIN)/datasette serve $(BROWSE_DB) $(DATASETTE_ARGS) --host $(BROWSE_HOST) --port $(BROWSE_PORT)

clean:
	rm -rf $(VENV) data feeds .mypy_cache .ruff_cache .pytest_cache

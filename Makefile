# Zaadje: `make run` and `make test` (CONTRACT §1). Each bootstraps .venv itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Re-install only when the project's dependencies change.
STAMP      := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint messages demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP) $@

run: $(STAMP)
	$(BIN)/python -m messages.build compile
	$(BIN)/zaadje db upgrade
	$(BIN)/python -m app.demo
	$(BIN)/zaadje serve

MYPY_PATHS := app casework clock store signals flows messages scheduler bot desk monitor tests

# The desk's browser tests drive Debian's chromium through Playwright (no browser download);
# installed here when missing (as root, like CI).
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	elif command -v sudo >/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq chromium; \
	fi || echo "chromium could not be installed: the browser tests skip (and fail under CI)"

test: $(TEST_STAMP) | $(CHROMIUM)
	$(BIN)/python -m messages.build compile
	$(BIN)/ruff check .
	$(BIN)/mypy $(MYPY_PATHS)
	$(BIN)/lint-imports
	$(BIN)/pytest -q -n auto --dist worksteal

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy $(MYPY_PATHS)
	$(BIN)/lint-imports

# Communicators: extract the keys, update every language's catalogue, compile .mo files.
messages: $(STAMP)
	$(BIN)/python -m messages.build all

bench: $(TEST_STAMP)
	$(BIN)/python bench/ingest.py --rows 1000000 --backend both
	$(BIN)/python bench/dispatch.py
	$(BIN)/python bench/desk_queue.py

clean:
	rm -rf $(VENV) build *.egg-info

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

run: $(STAMP) | pdf-deps
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

# Letters and visit cards are laid out by WeasyPrint (bot/printer/pdf.py), which needs Pango and
# fonts with Latin, Cyrillic and Arabic glyphs (DejaVu, Noto: Noto Naskh Arabic), all from
# Debian's packages: installed here when `fc-list` or dpkg misses them (as root, like CI).
PDF_PACKAGES := fontconfig libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-noto-core

.PHONY: pdf-deps
pdf-deps:
	@if fc-list 2>/dev/null | grep -q "Noto Naskh Arabic" && fc-list | grep -q "DejaVu Sans" \
		&& dpkg -s libpango-1.0-0 libpangoft2-1.0-0 >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(PDF_PACKAGES); \
	elif command -v sudo >/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq $(PDF_PACKAGES); \
	else echo "Pango or the fonts are missing and cannot be installed: the PDF tests fail"; fi

# The example alert rules (deploy/prometheus/) are checked with Prometheus's promtool by
# tests/ops. It comes from Debian's package `prometheus`, unpacked into .venv/bin rather than
# installed (installing the package would also start a Prometheus server); a promtool already
# on PATH is linked instead. When neither works the checks skip (and fail under CI).
PROMTOOL := $(BIN)/promtool

$(PROMTOOL): | $(BIN)/python
	@if command -v promtool >/dev/null; then ln -sf "$$(command -v promtool)" $@; \
	else tmp=$$(mktemp -d) && chmod 755 $$tmp && cd $$tmp \
		&& { apt-get download -qq prometheus 2>/dev/null \
			|| { if [ "$$(id -u)" = 0 ]; then apt-get update -qq; else sudo apt-get update -qq; fi \
				&& apt-get download -qq prometheus; }; } \
		&& dpkg-deb -x prometheus_*.deb root && cp root/usr/bin/promtool $(CURDIR)/$@; \
		cd $(CURDIR); rm -rf $$tmp; fi; \
	[ -x $@ ] || echo "promtool could not be installed: the alert-rule checks skip (and fail under CI)"

# The desk's single sign-on tests run against a real OpenID Connect provider (panva's
# oidc-provider, Node.js), installed from tests/oidc/package-lock.json with npm.
OIDC_PROVIDER := tests/oidc/node_modules/.package-lock.json

$(OIDC_PROVIDER): tests/oidc/package.json tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: $(TEST_STAMP) $(OIDC_PROVIDER) | $(CHROMIUM) pdf-deps $(PROMTOOL)
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
	$(BIN)/python bench/letters.py --letters 10000

clean:
	rm -rf $(VENV) build *.egg-info

# The two set-up commands of the README: `make demo` and `make test`.
# Both work on a fresh machine: they create .venv and install what is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: demo check lint typecheck test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# The main job on the bundled data: the category system, the ontology check,
# and the example study imported, validated and queried.
demo: $(STAMP)
	$(BIN)/cryonto categories
	$(BIN)/cryonto check
	$(BIN)/cryonto import csv examples/paper-quotes.csv --study paper-quotes -o build/paper-quotes.ttl
	$(BIN)/cryonto validate build/paper-quotes.ttl
	$(BIN)/cryonto query segments-per-category --data build/paper-quotes.ttl

# The fast loop (under 2 minutes): lint, type check, and the tests that need no
# external peer (no Chromium, Virtuoso, Comunica or oxigraph server).
check: lint typecheck
	$(BIN)/pytest -q -m "not integration and not slow"

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The whole test suite, with the real servers, browser and clients it needs.
test: $(STAMP)
	bash scripts/install-test-peers.sh
	$(BIN)/ruff check .
	$(BIN)/pytest

# pyshacl-turbo, the validation peer bench_scale.py runs beside plain pySHACL
$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_validate.py
	$(BIN)/python bench/bench_queries.py
	$(BIN)/python bench/bench_serve.py
	$(BIN)/python bench/bench_scale.py
	$(BIN)/python bench/bench_listing.py
	$(BIN)/python bench/bench_stream.py
	$(BIN)/python bench/bench_agreement.py

clean:
	rm -rf $(VENV) build node_modules

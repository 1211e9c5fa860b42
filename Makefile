# Two commands: `make run` serves the app (with the bundled sandbox when no Cronofy
# credentials are configured), `make test` runs the whole suite. Both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench lint typecheck format sandbox screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when a requirements file changes.
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	APP_CONFIG=development $(BIN)/flask --app wsgi db upgrade
	APP_CONFIG=development $(BIN)/python run.py

# axe-core, which the browser tests load into each page. Without npm they skip (CI fails them).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund && touch $@; \
	else echo "npm not found: the browser tests will skip"; fi

test: $(VENV)/.dev node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Dashboard latency and throughput against the sandbox with upstream latency (docs/benchmarks.md).
bench: $(VENV)/.dev
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

# Regenerate docs/screenshots/*.png by driving Chromium through the app and the sandbox.
screenshots: $(VENV)/.dev
	$(BIN)/python scripts/screenshots.py

sandbox: $(VENV)/.runtime
	$(BIN)/python -m sandbox

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy --strict over app/, sandbox/ and the entry points; the settings are in pyproject.toml.
typecheck: $(VENV)/.dev
	$(BIN)/mypy

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
